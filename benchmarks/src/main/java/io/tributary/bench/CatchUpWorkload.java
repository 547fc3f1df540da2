package io.tributary.bench;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Workload 3, consumer catch-up: {@code records} of 100 B are written to a 1-partition topic first, then one new
 * consumer reads them all from the beginning; records/s and MB/s from its creation to the last record.
 */
final class CatchUpWorkload
{
    static final String NAME = "catch-up";
    static final int RECORD_SIZE = 100;

    private CatchUpWorkload()
    {
    }

    static void run(final Target target, final Results results, final long records) throws InterruptedException
    {
        final String topic = "catch-up-" + System.nanoTime();
        final String scenario = Sizes.count(records) + " records of " + Sizes.bytes(RECORD_SIZE) + " from the start";
        target.createTopic(topic, 1);
        try
        {
            try (Target.Sender sender = target.producer(ProduceWorkload.BATCH_SIZE, ProduceWorkload.LINGER))
            {
                final byte[] value = new byte[RECORD_SIZE];
                ThreadLocalRandom.current().nextBytes(value);
                ProduceWorkload.send(sender, topic, value, records);
            }
            final long startNs = System.nanoTime();
            long received = 0;
            try (Target.Reader reader = target.consumer(topic))
            {
                final long deadline = startNs + Duration.ofMinutes(10).toNanos();
                while (received < records)
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        throw new IllegalStateException("read " + received + " of " + records + " in 10 minutes");
                    }
                    received += reader.poll(Duration.ofMillis(500), (value, timestampMs) -> { });
                }
            }
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            results.add(NAME, scenario, "records/s", received / seconds);
            results.add(NAME, scenario, "MB/s", received * (double)RECORD_SIZE / seconds / 1e6);
        }
        finally
        {
            target.deleteTopic(topic);
        }
    }
}
