package io.tributary.ops;

import io.tributary.log.internal.cluster.ClusterMembers;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Objects;

/**
 * What a CLI run reads and writes: its environment, stdin, stdout and stderr. Only {@link TributaryCli#main} builds
 * one from the process; tests build their own, so a command never touches {@code System.in/out/err} or
 * {@code System.getenv} itself.
 *
 * @param env           environment variables ({@code TRIBUTARY_CLUSTER}, {@code TRIBUTARY_DEBUG}).
 * @param in            standard input.
 * @param out           standard output.
 * @param err           standard error.
 * @param handleSignals true when the run owns the process, so a long-running command may react to SIGINT/SIGTERM
 *                      (finish and commit) instead of being cut off.
 */
public record CliContext(Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err, boolean handleSignals)
{
    public static final String CLUSTER_ENV = "TRIBUTARY_CLUSTER";
    public static final String DEBUG_ENV = "TRIBUTARY_DEBUG";

    public CliContext
    {
        env = Map.copyOf(Objects.requireNonNull(env, "env"));
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
    }

    /**
     * @return {@code TRIBUTARY_CLUSTER} when set, else the single-node default.
     */
    public String defaultCluster()
    {
        final String cluster = env.get(CLUSTER_ENV);
        return cluster == null || cluster.isBlank() ? ClusterMembers.DEFAULT : cluster;
    }

    /**
     * @return true when {@code TRIBUTARY_DEBUG} is set to anything but empty, {@code 0} or {@code false}.
     */
    public boolean debug()
    {
        final String debug = env.get(DEBUG_ENV);
        return debug != null && !debug.isBlank() && !debug.equals("0") && !debug.equalsIgnoreCase("false");
    }
}
