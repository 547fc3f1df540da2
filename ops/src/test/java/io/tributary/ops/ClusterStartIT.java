package io.tributary.ops;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary cluster start} runs three node processes that keep their data across {@code cluster stop} and a
 * second start, and {@code cluster stop} leaves no process behind.
 */
@Timeout(300)
class ClusterStartIT
{
    @Test
    void startStopAndStartAgainKeepsTheData() throws Exception
    {
        final Path dir = Files.createTempDirectory("tributary-cluster-start-");
        final String basePort = Integer.toString(TestCluster.freeBasePorts(1).get(0) / 100 * 100);
        try
        {
            final Result started = run(Map.of(), "", "cluster", "start", "--nodes", "3", "--data-dir", dir.toString(),
                "--base-port", basePort);
            assertEquals(0, started.exitCode(), started.err());
            final String members = started.out().trim();
            assertEquals(members, Files.readString(dir.resolve("members")).trim());
            for (int i = 0; i < 3; i++)
            {
                assertTrue(ClusterCommand.pidOf(dir, i).isPresent(), "node " + i + " runs");
                assertTrue(Files.exists(dir.resolve("node-" + i + ".log")));
            }
            // Three nodes: authentication is on, as the bootstrap admin 'cluster start' wrote for the nodes.
            final Map<String, String> env = Map.of(CliContext.CLUSTER_ENV, members, ClusterOption.CREDENTIALS_FILE_ENV,
                dir.resolve(ClusterCommand.ADMIN_CREDENTIALS_FILE).toString());
            assertEquals(1, run(Map.of(CliContext.CLUSTER_ENV, members), "", "topic", "list").exitCode(),
                "a client without credentials must be refused");

            final Result status = run(env, "", "cluster", "status");
            assertEquals(3, status.out().lines().count(), status.out());
            assertEquals(1, status.out().lines().filter(l -> l.contains(" LEADER position ")).count(), status.out());

            assertEquals(0, run(env, "", "topic", "create", "kept", "--partitions", "2").exitCode());
            assertEquals(0, run(env, "a:1\nb:2\nc:3\n", "produce", "kept", "--key-separator", ":").exitCode());

            final Result stopped = run(Map.of(), "", "cluster", "stop", "--data-dir", dir.toString());
            assertEquals(0, stopped.exitCode(), stopped.err());
            for (int i = 0; i < 3; i++)
            {
                assertFalse(ClusterCommand.pidOf(dir, i).isPresent(), "node " + i + " stopped");
                assertFalse(Files.exists(dir.resolve("node-" + i + ".pid")));
            }

            Optional<String> restartError = Optional.empty();
            for (int attempt = 0; attempt < 5; attempt++)
            {
                final Result again = run(Map.of(), "", "cluster", "start", "--data-dir", dir.toString(),
                    "--base-port", basePort);
                if (again.exitCode() == 0)
                {
                    restartError = Optional.empty();
                    break;
                }
                restartError = Optional.of(again.err());
                run(Map.of(), "", "cluster", "stop", "--data-dir", dir.toString());
                Thread.sleep(3000);
            }
            assertEquals(Optional.empty(), restartError);
            final Result consumed = run(env, "", "consume", "kept", "--from-beginning", "--max-records", "3",
                "--format", "%k=%s\\n");
            assertEquals(0, consumed.exitCode(), consumed.err());
            assertEquals("a=1\nb=2\nc=3", consumed.out().lines().sorted().reduce((x, y) -> x + "\n" + y).orElse(""));
        }
        finally
        {
            run(Map.of(), "", "cluster", "stop", "--data-dir", dir.toString());
            TestCluster.deleteRecursively(dir);
        }
    }

    private static Result run(final Map<String, String> env, final String stdin, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CliContext ctx = new CliContext(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out), new PrintWriter(err), false);
        final int exitCode = TributaryCli.run(ctx, args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err)
    {
    }
}
