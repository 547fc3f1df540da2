package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TributaryException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code tributary bench compaction}: produce throughput to a plain topic without compaction, then while a large
 * partition of superseded records is compacted, in the same run against the same cluster.
 * <p>
 * It fills topic {@code <prefix>-compacted} (cleanup.policy=delete, nothing expires) with --records keyed updates,
 * produces to {@code <prefix>-side} for --duration, then switches the filled topic to cleanup.policy=compact and
 * produces to the side topic for --duration again. The node's next retention check starts the compaction on its
 * cleaner thread and logs its MB/s ({@code compacted ...}); run the server with a short
 * {@code --retention-check-interval} (e.g. {@code 5s}) so that it falls inside the second window. Both topics are
 * deleted after.
 */
@Command(name = "compaction", description = {
    "Produce throughput without compaction, then while a partition of --records superseded records is compacted.",
    "Prints the machine, records/s of each window and per second, and the longest time without an ack;",
    "the node logs the compaction's MB/s.",
    "Run the server with a short --retention-check-interval (e.g. 5s) so the compaction falls in the window." })
final class BenchCompactionCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Option(names = "--records", paramLabel = "N", defaultValue = "500000",
        description = "records written to the partition to compact (default: ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--keys", paramLabel = "K", defaultValue = "1000",
        description = "distinct keys among them (default: ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--record-size", paramLabel = "B", defaultValue = "200",
        description = "bytes of each value (default: ${DEFAULT-VALUE})")
    int recordSize;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "20s", converter = DurationConverter.class,
        description = "length of each produce window (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "0",
        description = "records per second in each window, 0 for as fast as the producer takes them; at a fixed " +
            "rate ack latency shows a stall (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--topic-prefix", paramLabel = "P", defaultValue = "bench-compaction",
        description = "prefix of the two topics (default: ${DEFAULT-VALUE})")
    String prefix;

    BenchCompactionCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call() throws Exception
    {
        if (records < 1 || keys < 1 || recordSize < 0 || duration.isNegative() || duration.isZero())
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--records and --keys must be >= 1, --record-size >= 0 and --duration positive");
        }
        final String compacted = prefix + "-compacted";
        final String side = prefix + "-side";
        final Map<String, String> keep = Map.of("cleanup.policy", "delete", "retention.ms", "-1",
            "segment.bytes", String.valueOf(16 * 1024 * 1024));
        BenchCommand.println(ctx.out(), BenchCommand.machine());

        final ProducerConfig config = ProducerConfig.builder().cluster(cluster.cluster()).build();
        try (Admin admin = Admin.create(cluster.cluster());
            Producer<byte[], byte[]> producer = Producer.create(config, Serializer.bytes(), Serializer.bytes()))
        {
            admin.createTopic(new NewTopic(compacted, 1, keep));
            admin.createTopic(new NewTopic(side, 1, Map.of()));
            try
            {
                final byte[] value = new byte[recordSize];
                ThreadLocalRandom.current().nextBytes(value);
                final long fillStart = System.nanoTime();
                final BenchProduceCommand.Outcomes fill = new BenchProduceCommand.Outcomes();
                for (int i = 0; i < records && !fill.failed(); i++)
                {
                    fill.sent();
                    producer.send(ProducerRecord.of(compacted, ("key-" + (i % keys)).getBytes(StandardCharsets.UTF_8),
                        value), (metadata, exception) -> fill.completed(exception));
                }
                producer.flush();
                fill.awaitAll();
                failOn(fill);
                BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                    "bench compaction: filled %s with %d records of %d B over %d keys (%.1f MB) in %.1f s",
                    compacted, records, recordSize, keys, records * (recordSize + 10.0) / 1e6,
                    (System.nanoTime() - fillStart) / 1e9));

                window("without compaction", producer, side, value);
                final Map<String, String> compact = new java.util.HashMap<>(keep);
                compact.put("cleanup.policy", "compact");
                admin.alterTopicConfigs(compacted, compact);
                BenchCommand.println(ctx.out(), Instant.now() + " " + compacted + " switched to cleanup.policy=compact");
                window("with compaction", producer, side, value);
            }
            finally
            {
                admin.deleteTopic(compacted);
                admin.deleteTopic(side);
            }
        }
        return TributaryCli.OK;
    }

    private void window(final String label, final Producer<byte[], byte[]> producer, final String topic,
        final byte[] value)
    {
        final BenchProduceCommand.Outcomes outcomes = new BenchProduceCommand.Outcomes();
        final int seconds = (int)Math.max(1, duration.toSeconds());
        final long[] perSecond = new long[seconds + 1];
        // [0] time of the last ack, [1] the longest time between two acks (or from the start to the first).
        final long startNs = System.nanoTime();
        final long endNs = startNs + duration.toNanos();
        final Instant startedAt = Instant.now();
        final long[] gaps = {startNs, 0};
        final Histogram ackMicros = new SynchronizedHistogram(3);
        long sentCount = 0;
        while (System.nanoTime() < endNs && !outcomes.failed())
        {
            // At a fixed rate latency counts from when the record was due, so a stall is not hidden.
            final long dueNs = rate > 0 ? startNs + sentCount * 1_000_000_000L / rate : System.nanoTime();
            while (rate > 0 && System.nanoTime() < dueNs)
            {
                LockSupport.parkNanos(Math.min(100_000, dueNs - System.nanoTime()));
            }
            sentCount++;
            outcomes.sent();
            producer.send(ProducerRecord.of(topic, null, value), (metadata, exception) ->
            {
                if (null == exception)
                {
                    final long now = System.nanoTime();
                    final int second = (int)Math.min(seconds, (now - startNs) / 1_000_000_000L);
                    ackMicros.recordValue(Math.max(0, (now - dueNs) / 1000));
                    synchronized (perSecond)
                    {
                        perSecond[second]++;
                        gaps[1] = Math.max(gaps[1], now - gaps[0]);
                        gaps[0] = now;
                    }
                }
                outcomes.completed(exception);
            });
        }
        producer.flush();
        final long sent = outcomes.awaitAll();
        final double elapsed = (System.nanoTime() - startNs) / 1e9;
        failOn(outcomes);
        final StringBuilder series = new StringBuilder();
        final long longestGapNs;
        synchronized (perSecond)
        {
            longestGapNs = gaps[1];
            for (int i = 0; i < seconds; i++)
            {
                series.append(i == 0 ? "" : " ").append(perSecond[i]);
            }
        }
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
            "%s: %d records of %d B in %.1f s from %s: %.0f records/s, longest time without an ack %.1f ms; " +
            "ack latency ms %s; acks per second: %s",
            label, sent, value.length, elapsed, startedAt, sent / elapsed, longestGapNs / 1e6,
            BenchCommand.percentilesMs(ackMicros), series));
    }

    private static void failOn(final BenchProduceCommand.Outcomes outcomes)
    {
        if (outcomes.failed())
        {
            throw new TributaryException(ErrorCode.UNKNOWN_ERROR,
                outcomes.failures() + " sends failed; first: " + outcomes.firstFailure().getMessage());
        }
    }
}
