package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.NodeStatus;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.cluster.ClusterMembers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code tributary cluster ...}: the cluster's state, and a local cluster of node processes.
 */
@Command(name = "cluster", description = "Inspect the cluster, or run a local one.",
    subcommands = { ClusterCommand.Status.class, ClusterCommand.Start.class, ClusterCommand.Stop.class })
final class ClusterCommand extends CommandGroup
{
    static final String MEMBERS_FILE = "members";
    /** Options every node of the directory is started with, one line, as given to {@code cluster start}. */
    static final String SERVER_OPTIONS_FILE = "server-options";
    /** The bootstrap admin's credentials a local cluster's nodes share, written by {@code start} (mode 600). */
    static final String ADMIN_CREDENTIALS_FILE = "admin.credentials";

    /**
     * One line per member, in members-list order: {@code <id> <LEADER|FOLLOWER|DOWN> position <p> behind <b>},
     * where position is the cluster log position the node has applied and behind how far that is behind the
     * leader's. A candidate (mid-election) is reported as FOLLOWER; a node that does not answer within 1 s as DOWN
     * (with position and behind shown as -). Exits 0 whatever the roles.
     */
    @Command(name = "status", description = {
        "One line per node: <id> <LEADER|FOLLOWER|DOWN> position <log position> behind <bytes behind the leader>.",
        "A node in an election shows as FOLLOWER; one that does not answer within 1 s as DOWN." })
    static final class Status implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        Status(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (Admin admin = cluster.admin(ctx))
            {
                final List<NodeStatus> statuses = admin.clusterStatus();
                final long leaderPosition = statuses.stream()
                    .filter(s -> s.role() == NodeStatus.Role.LEADER)
                    .mapToLong(NodeStatus::appliedPosition)
                    .findFirst()
                    .orElse(-1);
                for (final NodeStatus status : statuses)
                {
                    final String role = switch (status.role())
                    {
                        case LEADER -> "LEADER";
                        case FOLLOWER, CANDIDATE -> "FOLLOWER";
                        case DOWN -> "DOWN";
                    };
                    final boolean down = status.role() == NodeStatus.Role.DOWN;
                    ctx.out().println(status.nodeId() + " " + role +
                        " position " + (down ? "-" : Long.toString(status.appliedPosition())) +
                        " behind " + (down || leaderPosition < 0 ? "-" :
                        Long.toString(Math.max(0, leaderPosition - status.appliedPosition()))) +
                        (status.corruptBatches() + status.repairedSegments() > 0 ?
                        " corrupt-batches " + status.corruptBatches() + " repaired-segments " +
                        status.repairedSegments() : ""));
                }
            }
            return TributaryCli.OK;
        }
    }

    /**
     * Start a cluster of node processes on loopback in the background: {@code DIR/node-N/} data, {@code
     * DIR/node-N.log}, {@code DIR/node-N.pid}, and {@code DIR/members} with the members list. Waits until the
     * cluster has a leader, then prints the members list for {@code TRIBUTARY_CLUSTER}.
     */
    @Command(name = "start", description = {
        "Start a cluster of node processes on 127.0.0.1 in the background, each with its own data dir, log and pid",
        "file under DIR; waits for a leader, then prints the members list (use it as TRIBUTARY_CLUSTER)." })
    static final class Start implements Callable<Integer>
    {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", description = "how many nodes (default: 3)")
        int nodes;

        @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "where the nodes live")
        Path dataDir;

        @Option(names = "--base-port", paramLabel = "PORT", defaultValue = "9100",
            description = "node N uses ports from PORT + 100 * N (default: 9100)")
        int basePort;

        @Option(names = "--snapshot-log-bytes", paramLabel = "BYTES",
            description = "passed to each node's server command (see 'tributary server --help')")
        Long snapshotLogBytes;

        Start(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws Exception
        {
            if (nodes < 1 || nodes > 9)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be between 1 and 9");
            }
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < nodes; i++)
            {
                sb.append(i == 0 ? "" : ",").append(i).append("=127.0.0.1:").append(basePort + 100 * i);
            }
            final String members = ClusterMembers.parse(sb.toString()).toString();
            Files.createDirectories(dataDir);
            for (int i = 0; i < nodes; i++)
            {
                final Optional<ProcessHandle> running = pidOf(dataDir, i);
                if (running.isPresent())
                {
                    throw new TributaryException(io.tributary.log.ErrorCode.INVALID_REQUEST,
                        "node " + i + " of " + dataDir + " is already running (pid " + running.get().pid() + ")");
                }
            }
            Files.writeString(dataDir.resolve(MEMBERS_FILE), members + "\n");
            Files.writeString(dataDir.resolve(SERVER_OPTIONS_FILE),
                snapshotLogBytes == null ? "" : "--snapshot-log-bytes " + snapshotLogBytes + "\n");

            final Path adminCredentials = dataDir.resolve(ADMIN_CREDENTIALS_FILE);
            if (!Files.exists(adminCredentials))
            {
                Files.createFile(adminCredentials, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                Files.writeString(adminCredentials, "username=admin\npassword=" +
                    io.tributary.log.internal.security.Scram.newTokenSecret() + "\n");
            }

            final List<Process> started = new ArrayList<>();
            for (int i = 0; i < nodes; i++)
            {
                started.add(launchNode(dataDir, i, members));
            }

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            try (Admin admin = Admin.create(members, Duration.ofSeconds(5)))
            {
                while (System.nanoTime() < deadline)
                {
                    for (int i = 0; i < started.size(); i++)
                    {
                        if (!started.get(i).isAlive())
                        {
                            throw new TributaryException(io.tributary.log.ErrorCode.UNKNOWN_ERROR, "node " + i +
                                " exited at start; see " + dataDir.resolve("node-" + i + ".log"));
                        }
                    }
                    if (admin.clusterStatus().stream().anyMatch(s -> s.role() == NodeStatus.Role.LEADER))
                    {
                        ctx.out().println(members);
                        ctx.err().println("started " + nodes + " node(s) in " + dataDir.toAbsolutePath().normalize() +
                            "; export TRIBUTARY_CLUSTER=" + members + (nodes > 1 ? " TRIBUTARY_CREDENTIALS_FILE=" +
                            adminCredentials.toAbsolutePath().normalize() + " (authentication is on)" : "") +
                            "; stop with: tributary cluster stop --data-dir " + dataDir);
                        return TributaryCli.OK;
                    }
                    Thread.sleep(200);
                }
            }
            throw new TributaryException(io.tributary.log.ErrorCode.TIMEOUT,
                "no leader elected within 60 s; see the node logs in " + dataDir);
        }
    }

    /**
     * Stop the node processes {@code cluster start} left in DIR: SIGTERM each, wait for it to exit (SIGKILL after
     * 30 s), remove its pid file.
     */
    @Command(name = "stop", description = "Stop the node processes that 'cluster start' started in DIR.")
    static final class Stop implements Callable<Integer>
    {
        private final CliContext ctx;

        @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "as given to cluster start")
        Path dataDir;

        Stop(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws Exception
        {
            int stopped = 0;
            for (int i = 0; i < 10; i++)
            {
                final Path pidFile = pidFile(dataDir, i);
                final Optional<ProcessHandle> process = pidOf(dataDir, i);
                if (process.isPresent())
                {
                    process.get().destroy();
                    try
                    {
                        process.get().onExit().get(30, TimeUnit.SECONDS);
                    }
                    catch (final java.util.concurrent.TimeoutException ex)
                    {
                        process.get().destroyForcibly();
                        process.get().onExit().get(10, TimeUnit.SECONDS);
                    }
                    stopped++;
                }
                Files.deleteIfExists(pidFile);
            }
            ctx.err().println("stopped " + stopped + " node(s) of " + dataDir);
            return TributaryCli.OK;
        }
    }

    /**
     * Start node {@code node} of a local cluster in the background, as {@code cluster start} does: its data in
     * {@code DIR/node-N}, output appended to {@code DIR/node-N.log}, pid in {@code DIR/node-N.pid}.
     */
    static Process launchNode(final Path dataDir, final int node, final String members) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // The class path goes in CLASSPATH, not -cp: the JDK reads at most 4,096 characters of another process's
        // command line, and "server" must stay within them for pidOf to recognise the node.
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            TributaryCli.class.getName(), "server", "--node-id", Integer.toString(node), "--members", members,
            "--data-dir", dataDir.resolve("node-" + node).toString()));
        final Path adminCredentials = dataDir.resolve(ADMIN_CREDENTIALS_FILE);
        if (Files.exists(adminCredentials))
        {
            command.addAll(List.of("--admin-credentials-file", adminCredentials.toAbsolutePath().toString()));
        }
        final Path options = dataDir.resolve(SERVER_OPTIONS_FILE);
        if (Files.exists(options))
        {
            final String line = Files.readString(options).trim();
            if (!line.isEmpty())
            {
                command.addAll(List.of(line.split("\\s+")));
            }
        }
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        final Process process = builder
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("node-" + node + ".log").toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        Files.writeString(pidFile(dataDir, node), process.pid() + "\n");
        return process;
    }

    static Path pidFile(final Path dataDir, final int node)
    {
        return dataDir.resolve("node-" + node + ".pid");
    }

    /**
     * @return the live process a pid file names, if it is still a Tributary node (pids get reused).
     */
    static Optional<ProcessHandle> pidOf(final Path dataDir, final int node)
    {
        final Path pidFile = pidFile(dataDir, node);
        if (!Files.exists(pidFile))
        {
            return Optional.empty();
        }
        try
        {
            final long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
            return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(" server ")).orElse(true));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final NumberFormatException ex)
        {
            return Optional.empty();
        }
    }
}
