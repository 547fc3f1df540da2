package io.tributary.bench;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Workload 2, end-to-end latency at a fixed rate: a producer (linger 0) sends 100 B records to a 1-partition topic
 * at a steady rate while a consumer in the same JVM reads them. Latency runs from each record's intended send time
 * (written in its value) to the consumer receiving it, so a stalled producer counts against every record it delayed
 * (no coordinated omission). The first second is warm-up and not recorded.
 */
final class LatencyWorkload
{
    static final String NAME = "e2e latency";
    static final int RECORD_SIZE = 100;

    private LatencyWorkload()
    {
    }

    static void run(final Target target, final Results results, final int rate, final int seconds)
        throws InterruptedException
    {
        final String topic = "e2e-" + System.nanoTime();
        final String scenario = String.format(Locale.ROOT, "%,d records/s", rate);
        target.createTopic(topic, 1);
        try
        {
            final Histogram micros = measure(target, topic, rate, seconds, rate);
            results.latency(NAME, scenario, "", micros);
        }
        finally
        {
            target.deleteTopic(topic);
        }
    }

    /**
     * Produces {@code rate * seconds} records at {@code rate} while a consumer reads them.
     *
     * @param warmup records at the start whose latency is not recorded.
     * @return end-to-end latency in microseconds.
     */
    static Histogram measure(final Target target, final String topic, final int rate, final int seconds,
        final long warmup) throws InterruptedException
    {
        final long total = (long)rate * seconds;
        final Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        final Tail tail = new Tail(target, topic, (value, timestampMs) ->
        {
            final ByteBuffer buffer = ByteBuffer.wrap(value);
            if (buffer.getLong(Long.BYTES) >= warmup)
            {
                micros.recordValue(Math.min(micros.getHighestTrackableValue(),
                    Math.max(0, (System.nanoTime() - buffer.getLong(0)) / 1000)));
            }
        });
        try (tail; Target.Sender sender = target.producer(16 * 1024, Duration.ZERO))
        {
            tail.awaitReady();
            final Acks acks = new Acks();
            final byte[] filler = new byte[RECORD_SIZE];
            ThreadLocalRandom.current().nextBytes(filler);
            final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
            final long startNs = System.nanoTime();
            final long startMs = System.currentTimeMillis();
            for (long i = 0; i < total && !acks.failed(); i++)
            {
                final long intendedNs = startNs + i * intervalNs;
                waitUntil(intendedNs);
                final byte[] value = filler.clone();
                ByteBuffer.wrap(value).putLong(0, intendedNs).putLong(Long.BYTES, i);
                acks.sent();
                sender.send(topic, null, value, startMs + TimeUnit.NANOSECONDS.toMillis(intendedNs - startNs), acks);
            }
            sender.flush();
            final long sent = acks.awaitAll(Duration.ofMinutes(2));
            tail.awaitReceived(sent, Duration.ofMinutes(2));
        }
        return micros; // the consumer's thread has been joined
    }

    static void waitUntil(final long deadlineNs)
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
}
