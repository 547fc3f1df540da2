package io.tributary.testing;

import io.tributary.log.Admin;
import io.tributary.log.NodeStatus;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.FileTrees;
import java.util.Map;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.cluster.ClusterMembers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real Tributary nodes, each in its own JVM, on loopback ports that were free, with their own data and Aeron
 * directories, so a test can kill one for real. Closing stops every node and deletes every directory, whatever the
 * test's outcome; node logs are copied to stderr (the surefire report) first.
 */
public final class TestCluster implements AutoCloseable
{
    private static final String[] JVM_FLAGS = {
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"
    };

    private final Path root;
    private final String members;
    private final int size;
    private final Process[] processes;
    /** When each node was last SIGKILLed, System.nanoTime(); 0 when never. */
    private final List<String> extraArgs = new ArrayList<>();
    private final String mainClass;

    private TestCluster(final int size, final List<String> nodeArgs, final String mainClass) throws IOException
    {
        this.extraArgs.addAll(nodeArgs);
        this.mainClass = mainClass;
        this.size = size;
        this.root = Files.createTempDirectory("tributary-test-");
        this.processes = new Process[size];
        final StringBuilder sb = new StringBuilder();
        final List<Integer> bases = freeBasePorts(size);
        for (int i = 0; i < size; i++)
        {
            if (i > 0)
            {
                sb.append(',');
            }
            sb.append(i).append("=127.0.0.1:").append(bases.get(i));
        }
        this.members = sb.toString();
    }

    /**
     * Start {@code size} nodes and wait until the cluster has a leader.
     */
    public static TestCluster start(final int size)
    {
        return start(size, List.of());
    }

    /**
     * Start {@code size} nodes with extra arguments for each node's main, e.g. {@code --snapshot-log-bytes N}.
     */
    public static TestCluster start(final int size, final List<String> nodeArgs)
    {
        return start(size, nodeArgs, "io.tributary.log.internal.cluster.TributaryNode");
    }

    /**
     * Start {@code size} nodes, each with {@code mainClass}: a program on the test class path that takes
     * {@code TributaryNode}'s arguments (see {@code TributaryNode.contextFromArgs}) and runs a node beside whatever
     * else the test needs in the node's JVM.
     */
    public static TestCluster start(final int size, final List<String> nodeArgs, final String mainClass)
    {
        TestCluster cluster = null;
        try
        {
            cluster = new TestCluster(size, nodeArgs, mainClass);
            for (int i = 0; i < size; i++)
            {
                cluster.startNode(i);
            }
            cluster.awaitLeader(Duration.ofSeconds(60));
            return cluster;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final RuntimeException | Error ex)
        {
            if (cluster != null)
            {
                cluster.close();
            }
            throw ex;
        }
    }

    /**
     * @return the members list, for clients' {@code cluster} setting.
     */
    public String members()
    {
        return members;
    }

    public int size()
    {
        return size;
    }

    public Path dataDir(final int node)
    {
        return root.resolve("node-" + node);
    }

    public Path root()
    {
        return root;
    }

    public String aeronDir(final int node)
    {
        return AeronSettings.aeronDirectoryBase() + "/tributary-test-" + root.getFileName() + "-node" + node;
    }

    public void startNode(final int node)
    {
        try
        {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(JVM_FLAGS));
            command.add("-Xmx512m");
            command.add("-XX:+UseSerialGC");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(mainClass);
            command.addAll(List.of("--node-id", Integer.toString(node), "--members", members,
                "--data-dir", dataDir(node).toString(), "--aeron-dir", aeronDir(node)));
            command.addAll(extraArgs);
            final File log = root.resolve("node-" + node + ".log").toFile();
            processes[node] = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * SIGKILL a node: no shutdown of any kind.
     */
    public void kill(final int node)
    {
        final Process process = processes[node];
        if (process != null)
        {
            process.destroyForcibly();
            waitFor(process);
            processes[node] = null;
        }
    }

    /**
     * SIGSTOP a node: it stops dead, sockets open, as a process stalled by the OS or a long GC.
     */
    public void pause(final int node)
    {
        signal(node, "-STOP");
    }

    /**
     * SIGCONT a paused node.
     */
    public void resume(final int node)
    {
        signal(node, "-CONT");
    }

    private void signal(final int node, final String signal)
    {
        final Process process = processes[node];
        if (process == null)
        {
            throw new IllegalStateException("node " + node + " is not running");
        }
        try
        {
            final int exit = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start().waitFor();
            if (exit != 0)
            {
                throw new IllegalStateException("kill " + signal + " " + process.pid() + " exited " + exit);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * SIGTERM a node and wait for it to exit.
     */
    public void stop(final int node)
    {
        final Process process = processes[node];
        if (process != null)
        {
            process.destroy();
            waitFor(process);
            processes[node] = null;
        }
    }

    /**
     * Start a stopped or killed node again on its data directory, at once: a node started over the mark files of a
     * process killed a moment ago waits for them to go stale by itself.
     */
    public void restart(final int node)
    {
        startNode(node);
        sleep(3000);
        if (!processes[node].isAlive())
        {
            throw new IllegalStateException("node " + node + " did not restart:\n" + log(node));
        }
    }

    /**
     * Have the cluster take a snapshot now, through the node's control toggle, and wait for it.
     *
     * @return true when the snapshot was taken.
     */
    public boolean snapshot(final int node)
    {
        return io.aeron.cluster.ClusterTool.snapshot(dataDir(node).resolve("cluster").toFile(), System.err);
    }

    /**
     * Wait until {@code node} has recorded a snapshot: {@link #snapshot} returns once the leader took one, and a
     * follower may still be writing its own.
     */
    public void awaitSnapshotRecorded(final int node, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            try (io.aeron.cluster.RecordingLog recordingLog =
                new io.aeron.cluster.RecordingLog(dataDir(node).resolve("cluster").toFile(), false))
            {
                if (null != recordingLog.getLatestSnapshot(io.aeron.cluster.ConsensusModule.Configuration.SERVICE_ID))
                {
                    return;
                }
            }
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("node " + node + " recorded no snapshot within " + timeout);
            }
            sleep(100);
        }
    }

    public boolean isRunning(final int node)
    {
        return processes[node] != null && processes[node].isAlive();
    }

    public int exitCode(final int node)
    {
        final Process process = processes[node];
        waitFor(process);
        return process.exitValue();
    }

    /**
     * @return the id of the node that reports itself leader.
     */
    public int awaitLeader(final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(members, Duration.ofSeconds(5)))
        {
            while (System.nanoTime() < deadline)
            {
                for (final NodeStatus status : admin.clusterStatus())
                {
                    if (status.role() == NodeStatus.Role.LEADER)
                    {
                        return status.nodeId();
                    }
                }
                sleep(200);
            }
        }
        throw new IllegalStateException("no leader within " + timeout + "\n" + logs());
    }

    public String log(final int node)
    {
        try
        {
            final Path log = root.resolve("node-" + node + ".log");
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (final IOException ex)
        {
            return "(cannot read log: " + ex + ")";
        }
    }

    public String logs()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < size; i++)
        {
            sb.append("---- node ").append(i).append(" log ----\n").append(tail(log(i), 80));
        }
        return sb.toString();
    }

    public void close()
    {
        for (int i = 0; i < size; i++)
        {
            if (isRunning(i))
            {
                signal(i, "-CONT");
            }
            stop(i);
        }
        System.err.println(logs());
        for (int i = 0; i < size; i++)
        {
            deleteRecursively(Path.of(aeronDir(i)));
        }
        deleteRecursively(root);
    }

    private static String tail(final String text, final int lines)
    {
        final String[] all = text.split("\n");
        final StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, all.length - lines); i < all.length; i++)
        {
            sb.append(all[i]).append('\n');
        }
        return sb.toString();
    }

    private static void waitFor(final Process process)
    {
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /**
     * @return base ports with {@link ClusterMembers#PORTS_PER_NODE} free UDP and TCP ports each.
     */
    public static List<Integer> freeBasePorts(final int count)
    {
        final List<Integer> bases = new ArrayList<>();
        int attempts = 0;
        while (bases.size() < count)
        {
            if (++attempts > 1000)
            {
                throw new IllegalStateException("no free port range found");
            }
            final int base = 20_000 + ThreadLocalRandom.current().nextInt(2000) * ClusterMembers.PORTS_PER_NODE;
            if (!bases.contains(base) && isFree(base))
            {
                bases.add(base);
            }
        }
        return bases;
    }

    private static boolean isFree(final int base)
    {
        for (int port = base; port < base + ClusterMembers.PORTS_PER_NODE; port++)
        {
            try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress());
                ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress()))
            {
                udp.getLocalPort();
                tcp.getLocalPort();
            }
            catch (final IOException ex)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Delete the Aeron directories a client process left behind: one killed cannot delete its own.
     */
    public static void deleteClientDirsOf(final long pid) throws IOException
    {
        final Path base = Path.of(AeronSettings.aeronDirectoryBase());
        if (!Files.isDirectory(base))
        {
            return;
        }
        final List<Path> mine;
        try (Stream<Path> dirs = Files.list(base))
        {
            mine = dirs.filter(d -> d.getFileName().toString().startsWith("tributary-client-" + pid + "-")).toList();
        }
        mine.forEach(TestCluster::deleteRecursively);
    }

    /**
     * Delete a directory tree; for tests that wipe a node's data.
     */
    public static void deleteRecursively(final Path path)
    {
        FileTrees.deleteRecursively(path);
    }

    /**
     * Wait until a node, asked alone, reports the same end offsets for a topic as the leader, asked alone. The
     * leader's are read again each time: asking "the cluster" could be answered by a node still replaying (or by the
     * node waited for itself).
     */
    public void awaitCaughtUp(final int node, final String topic, final Duration timeout)
    {
        final ClusterMembers parsed = ClusterMembers.parse(members);
        final Map<Integer, Admin> leaders = new java.util.HashMap<>();
        try (Admin all = Admin.create(members); Admin one = Admin.create(parsed.only(node)))
        {
            final List<TopicPartition> partitions = new ArrayList<>();
            for (final PartitionInfo partition : all.describeTopic(topic).partitions())
            {
                partitions.add(new TopicPartition(topic, partition.partition()));
            }
            final long deadline = System.nanoTime() + timeout.toNanos();
            Map<TopicPartition, Long> expected = Map.of();
            Map<TopicPartition, Long> actual = Map.of();
            while (System.nanoTime() < deadline)
            {
                try
                {
                    final int leader = all.clusterStatus().stream()
                        .filter(status -> status.role() == NodeStatus.Role.LEADER)
                        .mapToInt(NodeStatus::nodeId).findFirst().orElse(-1);
                    if (leader >= 0)
                    {
                        expected = leader == node ? one.endOffsets(partitions) : leaders
                            .computeIfAbsent(leader, id -> Admin.create(parsed.only(id))).endOffsets(partitions);
                        actual = leader == node ? expected : one.endOffsets(partitions);
                        if (actual.equals(expected))
                        {
                            return;
                        }
                    }
                }
                catch (final TributaryException ex)
                {
                    // the node is still starting: its topics appear as it replays the log
                }
                sleep(200);
            }
            throw new AssertionError("node " + node + " did not catch up: " + actual + " != " + expected);
        }
        finally
        {
            leaders.values().forEach(Admin::close);
        }
    }

    public static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
