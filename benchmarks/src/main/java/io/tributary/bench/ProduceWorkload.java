package io.tributary.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Workload 1, produce throughput: one producer (batch 64 KiB, linger 5 ms) sends records of random bytes without
 * a key as fast as it takes them to a fresh topic; records/s and MB/s from the first send to the last
 * acknowledgement. A warm-up of a fifth as many records to the same topic comes first and is not counted.
 */
final class ProduceWorkload
{
    static final String NAME = "produce";
    static final int BATCH_SIZE = 64 * 1024;
    static final Duration LINGER = Duration.ofMillis(5);

    private ProduceWorkload()
    {
    }

    static void run(final Target target, final Results results, final long records, final int recordSize,
        final int partitions) throws InterruptedException
    {
        final String topic = "produce-" + System.nanoTime();
        final String scenario = String.format(Locale.ROOT, "%s, %d partition%s", Sizes.bytes(recordSize), partitions,
            partitions == 1 ? "" : "s");
        target.createTopic(topic, partitions);
        try (Target.Sender sender = target.producer(BATCH_SIZE, LINGER))
        {
            final byte[] value = new byte[recordSize];
            ThreadLocalRandom.current().nextBytes(value);
            send(sender, topic, value, records / 5);
            final long startNs = System.nanoTime();
            final long sent = send(sender, topic, value, records);
            final double seconds = (System.nanoTime() - startNs) / 1e9;
            results.add(NAME, scenario, "records/s", sent / seconds);
            results.add(NAME, scenario, "MB/s", sent * (double)recordSize / seconds / 1e6);
        }
        finally
        {
            target.deleteTopic(topic);
        }
    }

    /**
     * @return how many were sent, all acknowledged.
     */
    static long send(final Target.Sender sender, final String topic, final byte[] value, final long records)
        throws InterruptedException
    {
        final Acks acks = new Acks();
        final long now = System.currentTimeMillis();
        for (long i = 0; i < records && !acks.failed(); i++)
        {
            acks.sent();
            sender.send(topic, null, value, now, acks);
        }
        sender.flush();
        return acks.awaitAll(Duration.ofMinutes(5));
    }
}
