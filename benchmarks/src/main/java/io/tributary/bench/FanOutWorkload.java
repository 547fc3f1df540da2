package io.tributary.bench;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Workload 4, fan-out: the producer of workload 1 (100 B records, batching on) writes {@code records} to a fresh
 * 1-partition topic with no consumer (after an untimed warm-up of a fifth as many), then to another with N consumers
 * attached, each reading every record on its own thread. Reports the producer's throughput with N consumers, the
 * share of its throughput alone that it kept, and the end-to-end latency (send to receive, over every consumer's
 * records).
 */
final class FanOutWorkload
{
    static final String NAME = "fan-out";
    static final int RECORD_SIZE = 100;

    private FanOutWorkload()
    {
    }

    static void run(final Target target, final Results results, final int consumers, final long records)
        throws InterruptedException
    {
        final String scenario = String.format(Locale.ROOT, "%,d consumer%s", consumers, consumers == 1 ? "" : "s");
        produce(target, 0, Math.max(1, records / 5), null); // warm-up: the baseline must not pay for a cold start
        final double alone = produce(target, 0, records, null);
        final Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        final double shared = produce(target, consumers, records, micros);
        results.add(NAME, scenario, "producer records/s", shared);
        results.add(NAME, scenario, "% of producer alone", 100 * shared / alone);
        results.latency(NAME, scenario, "", micros);
    }

    /**
     * @return the producer's records/s.
     */
    private static double produce(final Target target, final int consumers, final long records,
        final Histogram micros) throws InterruptedException
    {
        final String topic = "fan-out-" + System.nanoTime();
        target.createTopic(topic, 1);
        final List<Tail> tails = new ArrayList<>();
        final List<Histogram> histograms = new ArrayList<>();
        try
        {
            for (int i = 0; i < consumers; i++)
            {
                final Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
                histograms.add(h);
                tails.add(new Tail(target, topic, (value, timestampMs) ->
                {
                    final long latency = (System.nanoTime() - ByteBuffer.wrap(value).getLong(0)) / 1000;
                    h.recordValue(Math.min(h.getHighestTrackableValue(), Math.max(0, latency)));
                }));
            }
            for (final Tail tail : tails)
            {
                tail.awaitReady();
            }
            final double recordsPerSecond;
            try (Target.Sender sender = target.producer(ProduceWorkload.BATCH_SIZE, ProduceWorkload.LINGER))
            {
                final byte[] filler = new byte[RECORD_SIZE];
                ThreadLocalRandom.current().nextBytes(filler);
                final Acks acks = new Acks();
                final long now = System.currentTimeMillis();
                final long startNs = System.nanoTime();
                for (long i = 0; i < records && !acks.failed(); i++)
                {
                    final byte[] value = filler.clone();
                    ByteBuffer.wrap(value).putLong(0, System.nanoTime());
                    acks.sent();
                    sender.send(topic, null, value, now, acks);
                }
                sender.flush();
                final long sent = acks.awaitAll(Duration.ofMinutes(5));
                recordsPerSecond = sent / ((System.nanoTime() - startNs) / 1e9);
            }
            for (final Tail tail : tails)
            {
                tail.awaitReceived(records, Duration.ofMinutes(5));
            }
            return recordsPerSecond;
        }
        finally
        {
            tails.forEach(Tail::stop);
            for (final Tail tail : tails)
            {
                tail.close();
            }
            if (micros != null)
            {
                histograms.forEach(micros::add);
            }
            target.deleteTopic(topic);
        }
    }
}
