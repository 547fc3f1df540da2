package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code tributary bench fanout}: what attached consumers cost a producer. Produces {@code --records} at full speed
 * with no consumer, then again (to a fresh topic) with {@code --consumers} consumers reading every partition from
 * the start; prints both throughputs, how many records each consumer received, and the end-to-end latency (the
 * record's send time, in the first 8 bytes of its value, to its receipt by each consumer) over all consumers.
 * <p>
 * The consumers are in this JVM, one polling thread each, and share one client runtime (one conductor thread, one
 * fetch subscription), so consumers at the same offset of a partition share one fetch.
 */
@Command(name = "fanout", description = {
    "Producer throughput with 0 and with N consumers attached, each consumer's received count, and end-to-end",
    "latency over all consumers. Uses fresh topics bench-<millis>, deleted after." })
final class BenchFanoutCommand implements Callable<Integer>
{
    private static final int TIME_BYTES = Long.BYTES;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);

    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Option(names = "--consumers", paramLabel = "N", required = true, description = "consumers to attach")
    int consumers;

    @Option(names = "--records", paramLabel = "R", defaultValue = "100000",
        description = "records to send in each phase (default: ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--record-size", paramLabel = "B", defaultValue = "100",
        description = "bytes of each value, at least " + TIME_BYTES + " (default: ${DEFAULT-VALUE})")
    int recordSize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "1",
        description = "partitions of the topic (default: ${DEFAULT-VALUE})")
    int partitions;

    BenchFanoutCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call() throws InterruptedException
    {
        if (consumers < 1 || records < 1 || partitions < 1 || recordSize < TIME_BYTES)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--consumers, --records and --partitions " +
                "must be >= 1 and --record-size >= " + TIME_BYTES);
        }
        BenchCommand.println(ctx.out(), BenchCommand.machine());
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
            "bench fanout: %d consumers, %d records of %d B per phase, %d partition%s", consumers, records,
            recordSize, partitions, partitions == 1 ? "" : "s"));

        try (Admin admin = Admin.create(cluster.cluster());
            Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder()
                .cluster(cluster.cluster()).build(), Serializer.bytes(), Serializer.bytes()))
        {
            final double alone;
            try (BenchCommand.BenchTopic topic = new BenchCommand.BenchTopic(admin, null, partitions))
            {
                alone = produce(producer, topic.name());
            }
            BenchCommand.println(ctx.out(), String.format(Locale.ROOT, "producer alone: %.0f records/s", alone));

            try (BenchCommand.BenchTopic topic = new BenchCommand.BenchTopic(admin, "bench-fanout-" +
                System.currentTimeMillis(), partitions))
            {
                final List<Reader> readers = new ArrayList<>();
                final CountDownLatch ready = new CountDownLatch(consumers);
                try
                {
                    for (int i = 0; i < consumers; i++)
                    {
                        final Reader reader = new Reader(topic.name(), ready);
                        readers.add(reader);
                        reader.start();
                    }
                    if (!ready.await(5, TimeUnit.MINUTES))
                    {
                        throw new TributaryException(ErrorCode.TIMEOUT, "consumers not positioned in 5 minutes");
                    }
                    rethrow(readers);
                    final double withConsumers = produce(producer, topic.name());
                    BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                        "producer with %d consumers: %.0f records/s (%.1f%% of alone)",
                        consumers, withConsumers, 100.0 * withConsumers / alone));

                    final long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
                    final long drainStart = System.nanoTime();
                    while (readers.stream().anyMatch(r -> r.received < records) && System.nanoTime() < deadline)
                    {
                        rethrow(readers);
                        Thread.sleep(20);
                    }
                    final double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
                    for (final Reader reader : readers)
                    {
                        reader.halt();
                    }
                    final Histogram e2eMicros = new Histogram(3);
                    final Map<Long, Integer> counts = new TreeMap<>();
                    for (final Reader reader : readers)
                    {
                        reader.join(30_000);
                        e2eMicros.add(reader.e2eMicros);
                        counts.merge(reader.received, 1, Integer::sum);
                    }
                    final StringBuilder received = new StringBuilder("received per consumer:");
                    counts.forEach((count, n) -> received.append(' ').append(n).append(" x ").append(count));
                    BenchCommand.println(ctx.out(), received.toString());
                    BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                        "all consumers done %.3f s after the producer", drainSeconds));
                    BenchCommand.println(ctx.out(), "end-to-end latency ms (all consumers): " +
                        BenchCommand.percentilesMs(e2eMicros));
                    rethrow(readers);
                }
                finally
                {
                    for (final Reader reader : readers)
                    {
                        reader.halt();
                    }
                    for (final Reader reader : readers)
                    {
                        reader.join(30_000);
                    }
                }
            }
        }
        return TributaryCli.OK;
    }

    /**
     * @return records per second, from the first send to the last acknowledgement.
     */
    private double produce(final Producer<byte[], byte[]> producer, final String topic)
    {
        final byte[] filler = new byte[recordSize];
        ThreadLocalRandom.current().nextBytes(filler);
        final BenchProduceCommand.Outcomes outcomes = new BenchProduceCommand.Outcomes();
        final long startNs = System.nanoTime();
        for (long i = 0; i < records && !outcomes.failed(); i++)
        {
            final byte[] value = filler.clone();
            ByteBuffer.wrap(value).putLong(0, System.nanoTime());
            outcomes.sent();
            producer.send(ProducerRecord.of(topic, null, value), (metadata, exception) -> outcomes.completed(exception));
        }
        producer.flush();
        final long sent = outcomes.awaitAll();
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        if (outcomes.failed())
        {
            throw new TributaryException(ErrorCode.UNKNOWN_ERROR,
                outcomes.failures() + " sends failed; first: " + outcomes.firstFailure().getMessage());
        }
        return sent / seconds;
    }

    private static void rethrow(final List<Reader> readers)
    {
        for (final Reader reader : readers)
        {
            final RuntimeException ex = reader.failure.get();
            if (ex != null)
            {
                throw ex;
            }
        }
    }

    /** One consumer on its own thread, reading every partition from the start; blocked in poll while idle. */
    private final class Reader extends Thread
    {
        private final String topic;
        private final CountDownLatch ready;
        final Histogram e2eMicros = new Histogram(3);
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        volatile long received;
        private volatile boolean running = true;

        Reader(final String topic, final CountDownLatch ready)
        {
            super(null, null, "fanout-consumer", 256 * 1024);
            this.topic = topic;
            this.ready = ready;
            setDaemon(true);
        }

        public void run()
        {
            try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(cluster.cluster())
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
                .build(), Deserializer.bytes(), Deserializer.bytes()))
            {
                final List<TopicPartition> all = new ArrayList<>();
                for (int p = 0; p < partitions; p++)
                {
                    all.add(new TopicPartition(topic, p));
                }
                consumer.assign(all);
                all.forEach(consumer::position);
                ready.countDown();
                long count = 0;
                while (running)
                {
                    for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1)))
                    {
                        final long nowNs = System.nanoTime();
                        e2eMicros.recordValue(Math.max(0, (nowNs - ByteBuffer.wrap(record.value()).getLong(0)) / 1000));
                        count++;
                    }
                    received = count;
                }
            }
            catch (final RuntimeException ex)
            {
                failure.set(ex);
                ready.countDown();
            }
        }

        void halt()
        {
            running = false;
        }
    }
}
