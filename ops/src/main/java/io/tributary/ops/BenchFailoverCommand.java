package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.NodeStatus;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.FileTrees;
import io.tributary.log.internal.cluster.ClusterMembers;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code tributary bench failover}: against a local cluster run by {@code cluster start}, writes at a fixed rate,
 * SIGKILLs the leader, and reports how long until a write sent after the kill is acknowledged by the new leader,
 * and the write latency around it; then wipes the killed node's data directory, starts it again, and reports how
 * long it takes to hold everything again.
 */
@Command(name = "failover", description = {
    "Against a cluster started with 'cluster start --data-dir DIR': write --rate records/s, SIGKILL the leader,",
    "report the time to the first write acknowledged after the kill and the write latency around it; then wipe the",
    "killed node's data, start it again and report how long it takes to catch up, and how much it copied." })
final class BenchFailoverCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "as given to cluster start")
    Path dataDir;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "5000", description = "records per second (5000)")
    int rate;

    @Option(names = "--record-size", paramLabel = "B", defaultValue = "100", description = "value bytes (100)")
    int recordSize;

    @Option(names = "--preload-mb", paramLabel = "MB", defaultValue = "0",
        description = "megabytes of records to write first, so the rebuilt node has that much to catch up (0)")
    int preloadMb;

    BenchFailoverCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    /** The local cluster's bootstrap admin, when 'cluster start' wrote one. */
    private io.tributary.log.Credentials credentials;

    public Integer call() throws Exception
    {
        final String members = Files.readString(dataDir.resolve(ClusterCommand.MEMBERS_FILE)).trim();
        final int size = ClusterMembers.parse(members).size();
        if (size < 3)
        {
            throw new TributaryException(io.tributary.log.ErrorCode.INVALID_REQUEST,
                "failover needs a cluster of at least 3 nodes; " + dataDir + " has " + size);
        }
        BenchCommand.println(ctx.out(), BenchCommand.machine());
        final Path adminFile = dataDir.resolve(ClusterCommand.ADMIN_CREDENTIALS_FILE);
        credentials = Files.exists(adminFile) ? io.tributary.log.Credentials.fromFile(adminFile) : null;
        try (Admin admin = Admin.create(members, credentials);
            BenchCommand.BenchTopic topic = new BenchCommand.BenchTopic(admin, null, 4);
            Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder()
                .cluster(members).credentials(credentials)
                .linger(Duration.ZERO).requestTimeout(Duration.ofSeconds(5)).build(),
                Serializer.bytes(), Serializer.bytes()))
        {
            final byte[] value = new byte[recordSize];
            if (preloadMb > 0)
            {
                final long records = preloadMb * 1024L * 1024 / Math.max(1, recordSize);
                for (long i = 0; i < records; i++)
                {
                    producer.send(new ProducerRecord<>(topic.name(), null, null, value, null, List.of()));
                }
                producer.flush();
                BenchCommand.println(ctx.out(), "preloaded " + records + " records (" + preloadMb + " MB of values)");
            }

            final int leader = leader(admin);
            final Histogram before = new Histogram(3_600_000_000L, 3);
            final Histogram around = new Histogram(3_600_000_000L, 3);
            final AtomicLong firstAckAfterKillNs = new AtomicLong(Long.MAX_VALUE);
            final AtomicLong failed = new AtomicLong();
            final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
            final long start = System.nanoTime();
            final long killAt = start + TimeUnit.SECONDS.toNanos(5);
            final long end = killAt + TimeUnit.SECONDS.toNanos(20);
            boolean killed = false;
            long sent = 0;
            while (true)
            {
                final long intended = start + sent * intervalNs;
                if (intended >= end)
                {
                    break;
                }
                while (System.nanoTime() < intended)
                {
                    Thread.onSpinWait();
                }
                if (!killed && intended >= killAt)
                {
                    kill(leader);
                    killed = true;
                }
                final boolean afterKill = killed;
                producer.send(new ProducerRecord<>(topic.name(), null, null, value, null, List.of()), (m, ex) ->
                {
                    final long now = System.nanoTime();
                    if (ex != null)
                    {
                        failed.incrementAndGet();
                        return;
                    }
                    final long micros = (now - intended) / 1000;
                    if (afterKill)
                    {
                        around.recordValue(micros);
                        firstAckAfterKillNs.accumulateAndGet(now, Math::min);
                    }
                    else
                    {
                        before.recordValue(micros);
                    }
                });
                sent++;
            }
            producer.flush();
            final int newLeader = leader(admin);
            BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                "killed leader %d at %d records/s; node %d leads now; first write sent after the kill acknowledged " +
                "%.0f ms after it; %d failed", leader, rate, newLeader,
                (firstAckAfterKillNs.get() - killAt) / 1e6, failed.get()));
            BenchCommand.println(ctx.out(), "write latency ms before the kill: " + BenchCommand.percentilesMs(before));
            BenchCommand.println(ctx.out(), "write latency ms in the 20 s after: " + BenchCommand.percentilesMs(around));

            rebuild(admin, members, leader, topic.name());
        }
        return TributaryCli.OK;
    }

    private void rebuild(final Admin admin, final String members, final int node, final String topic)
        throws IOException, InterruptedException
    {
        final Path nodeDir = dataDir.resolve("node-" + node);
        FileTrees.deleteRecursively(nodeDir);
        final long start = System.nanoTime();
        // Restarted seconds after its SIGKILL, the node waits by itself for the killed process's mark files to go stale.
        final Process process = ClusterCommand.launchNode(dataDir, node, members);
        Thread.sleep(3000);
        if (!process.isAlive())
        {
            throw new IllegalStateException("node " + node + " did not start again; see its log in " + dataDir);
        }
        final List<TopicPartition> partitions = IntStream.range(0, admin.describeTopic(topic).partitions().size())
            .mapToObj(p -> new TopicPartition(topic, p)).collect(Collectors.toList());
        final Map<TopicPartition, Long> expected = admin.endOffsets(partitions);
        final ClusterMembers.Member member = ClusterMembers.parse(members).member(node);
        try (Admin one = Admin.create(ClusterMembers.parse(members).only(node), credentials))
        {
            while (true)
            {
                try
                {
                    if (one.endOffsets(partitions).equals(expected))
                    {
                        break;
                    }
                }
                catch (final TributaryException ex)
                {
                    // still replaying
                }
                Thread.sleep(100);
            }
        }
        final long bytes = size(nodeDir.resolve("log"));
        final Path log = dataDir.resolve("node-" + node + ".log");
        final String how = Files.exists(log) && Files.readString(log).contains("REBUILT from peers") ?
            "rebuilt from its peers' snapshot, log and segment files" : "by replaying the cluster log";
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
            "wiped node %d and started it again: it held every record again after %.1f s (%.1f MB of segments), %s",
            node, (System.nanoTime() - start) / 1e9, bytes / 1e6, how));
    }

    private int leader(final Admin admin) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            final Optional<NodeStatus> leader = admin.clusterStatus().stream()
                .filter(s -> s.role() == NodeStatus.Role.LEADER).findFirst();
            if (leader.isPresent())
            {
                return leader.get().nodeId();
            }
            Thread.sleep(100);
        }
        throw new TributaryException(io.tributary.log.ErrorCode.TIMEOUT, "no leader");
    }

    private void kill(final int node)
    {
        final ProcessHandle process = ClusterCommand.pidOf(dataDir, node).orElseThrow(() ->
            new TributaryException(io.tributary.log.ErrorCode.INVALID_REQUEST, "node " + node + " is not running"));
        process.destroyForcibly();
    }

    private static long size(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            long total = 0;
            for (final Path file : files.filter(Files::isRegularFile).toList())
            {
                total += Files.size(file);
            }
            return total;
        }
    }
}
