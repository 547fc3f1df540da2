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
import io.tributary.log.TributaryException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code tributary bench e2e}: produce at a fixed rate while a consumer in the same JVM reads concurrently.
 * <p>
 * Each record's value starts with its intended send time ({@code System.nanoTime}, 8 bytes) and its timestamp is
 * that same instant in epoch ms. Both latencies are measured from the intended send time, not from when the send
 * happened, so a stall of the producer counts against every record it delayed (no coordinated omission):
 * end-to-end is intended send to consumer receive, ack is intended send to acknowledgement.
 */
@Command(name = "e2e", description = {
    "Produce --rate records/s for --seconds while a consumer reads concurrently; report end-to-end latency",
    "(record's intended send time -> consumer receive) and ack latency, both from the intended send time",
    "so a stalled producer is not hidden (no coordinated omission). Uses a fresh topic bench-<millis>, deleted after." })
final class BenchE2eCommand implements Callable<Integer>
{
    private static final int TIME_BYTES = Long.BYTES;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Option(names = "--rate", paramLabel = "R", required = true, description = "records per second")
    int rate;

    @Option(names = "--seconds", paramLabel = "S", required = true, description = "how long to produce")
    int seconds;

    @Option(names = "--record-size", paramLabel = "B", defaultValue = "100",
        description = "bytes of each value, at least " + TIME_BYTES + " (default: ${DEFAULT-VALUE})")
    int recordSize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "1",
        description = "partitions of the topic (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--print-slow", paramLabel = "MS", defaultValue = "0",
        description = {"print the wall-clock time of every end-to-end or ack latency of at least MS ms (at most one",
            "line per 10 ms of each), to line stalls up with the node's logs and JFR recordings; 0: off",
            "(default: ${DEFAULT-VALUE})"})
    int printSlowMs;

    BenchE2eCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call() throws InterruptedException
    {
        if (rate < 1 || seconds < 1 || partitions < 1 || recordSize < TIME_BYTES || printSlowMs < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate, --seconds and --partitions must be " +
                ">= 1, --record-size >= " + TIME_BYTES + " and --print-slow >= 0");
        }
        final long total = (long)rate * seconds;
        BenchCommand.println(ctx.out(), BenchCommand.machine());

        try (Admin admin = Admin.create(cluster.cluster());
            BenchCommand.BenchTopic topic = new BenchCommand.BenchTopic(admin, null, partitions);
            Producer<byte[], byte[]> producer = Producer.create(ProducerConfig.builder()
                .cluster(cluster.cluster()).linger(Duration.ZERO).build(), Serializer.bytes(), Serializer.bytes()))
        {
            BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                "bench e2e: %d records/s for %d s, %d B records, %s", rate, seconds, recordSize, topic.describe()));

            final Histogram e2eMicros = new SynchronizedHistogram(3);
            final Histogram ackMicros = new SynchronizedHistogram(3);
            final SlowLog slowAcks = new SlowLog("ack", printSlowMs, ctx.out());
            final Reader reader = new Reader(topic.name(), e2eMicros, new SlowLog("end-to-end", printSlowMs, ctx.out()));
            final Thread readerThread = new Thread(reader, "bench-e2e-consumer");
            readerThread.start();
            try
            {
                reader.awaitReady();
                final BenchProduceCommand.Outcomes outcomes = new BenchProduceCommand.Outcomes();
                final byte[] filler = new byte[recordSize];
                ThreadLocalRandom.current().nextBytes(filler);

                final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
                final long startNs = System.nanoTime();
                final long startMs = System.currentTimeMillis();
                for (long i = 0; i < total && !outcomes.failed(); i++)
                {
                    final long intendedNs = startNs + i * intervalNs;
                    waitUntil(intendedNs);
                    final byte[] value = filler.clone();
                    ByteBuffer.wrap(value).putLong(0, intendedNs);
                    final long timestampMs = startMs + TimeUnit.NANOSECONDS.toMillis(intendedNs - startNs);
                    outcomes.sent();
                    producer.send(ProducerRecord.<byte[], byte[]>of(topic.name(), null, value).withTimestamp(timestampMs),
                        (metadata, exception) ->
                        {
                            if (exception == null)
                            {
                                final long micros = Math.max(0, (System.nanoTime() - intendedNs) / 1000);
                                ackMicros.recordValue(micros);
                                slowAcks.record(micros);
                            }
                            outcomes.completed(exception);
                        });
                }
                final double sendSeconds = (System.nanoTime() - startNs) / 1e9;
                producer.flush();
                final long sent = outcomes.awaitAll();
                reader.awaitReceived(outcomes.acknowledged(), DRAIN_TIMEOUT);

                BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                    "sent %d (%.1f records/s achieved), acked %d, failed %d, received %d",
                    sent, sent / sendSeconds, outcomes.acknowledged(), outcomes.failures(), reader.received()));
                BenchCommand.println(ctx.out(), "end-to-end latency ms: " + BenchCommand.percentilesMs(e2eMicros));
                BenchCommand.println(ctx.out(), "ack latency ms: " + BenchCommand.percentilesMs(ackMicros));
                if (outcomes.failed())
                {
                    throw new TributaryException(ErrorCode.UNKNOWN_ERROR,
                        outcomes.failures() + " sends failed; first: " + outcomes.firstFailure().getMessage());
                }
            }
            finally
            {
                reader.stop();
                readerThread.join(TimeUnit.SECONDS.toMillis(30));
            }
            reader.rethrow();
        }
        return TributaryCli.OK;
    }

    private static void waitUntil(final long deadlineNs)
    {
        // Park, never spin: a spinning pacer takes a whole core of two from the system it measures (at 10,000
        // records/s it would spin all the time). A park ends up to ~60 µs late; the records then due go out
        // together, and their latency is counted from their intended send times all the same.
        long remainingNs;
        while ((remainingNs = deadlineNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(remainingNs);
        }
    }

    /**
     * Prints when latencies of at least a threshold occur, with the wall-clock time, so that a stall can be found in
     * the node's logs, JFR recordings or scheduler statistics of the same moment. At most one line per 10 ms keeps
     * a stall of a few hundred ms, which delays thousands of records, to a few dozen lines. Threading: any thread.
     */
    private static final class SlowLog
    {
        private static final long LINE_INTERVAL_MS = 10;
        private final String kind;
        private final long thresholdMicros;
        private final PrintWriter out;
        private final AtomicLong lastLineMs = new AtomicLong();

        SlowLog(final String kind, final int thresholdMs, final PrintWriter out)
        {
            this.kind = kind;
            this.thresholdMicros = thresholdMs > 0 ? TimeUnit.MILLISECONDS.toMicros(thresholdMs) : Long.MAX_VALUE;
            this.out = out;
        }

        void record(final long micros)
        {
            if (micros < thresholdMicros)
            {
                return;
            }
            final long nowMs = System.currentTimeMillis();
            final long last = lastLineMs.get();
            if (nowMs - last >= LINE_INTERVAL_MS && lastLineMs.compareAndSet(last, nowMs))
            {
                BenchCommand.println(out, String.format(Locale.ROOT, "slow %s at %s: %.1f ms",
                    kind, Instant.ofEpochMilli(nowMs), micros / 1000.0));
            }
        }
    }

    /** Reads the topic from its beginning on its own thread, recording each record's latency as it arrives. */
    private final class Reader implements Runnable
    {
        private final String topic;
        private final Histogram e2eMicros;
        private final SlowLog slow;
        private final CountDownLatch ready = new CountDownLatch(1);
        private final AtomicLong received = new AtomicLong();
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private volatile boolean running = true;

        Reader(final String topic, final Histogram e2eMicros, final SlowLog slow)
        {
            this.topic = topic;
            this.e2eMicros = e2eMicros;
            this.slow = slow;
        }

        public void run()
        {
            try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(cluster.cluster())
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
                .fetchMaxWait(Duration.ofMillis(100))
                .build(), Deserializer.bytes(), Deserializer.bytes()))
            {
                consumer.assignAll(topic);
                consumer.seekToBeginning(consumer.assignment());
                ready.countDown();
                while (running)
                {
                    for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100)))
                    {
                        final long nowNs = System.nanoTime();
                        final long intendedNs = ByteBuffer.wrap(record.value()).getLong(0);
                        final long micros = Math.max(0, (nowNs - intendedNs) / 1000);
                        e2eMicros.recordValue(micros);
                        slow.record(micros);
                        received.incrementAndGet();
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                failure.set(ex);
            }
            finally
            {
                ready.countDown();
            }
        }

        void awaitReady() throws InterruptedException
        {
            ready.await();
            rethrow();
        }

        void awaitReceived(final long count, final Duration timeout) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (received.get() < count && System.nanoTime() < deadline && failure.get() == null)
            {
                Thread.sleep(10);
            }
        }

        long received()
        {
            return received.get();
        }

        void stop()
        {
            running = false;
        }

        void rethrow()
        {
            final RuntimeException ex = failure.get();
            if (ex != null)
            {
                throw ex;
            }
        }
    }
}
