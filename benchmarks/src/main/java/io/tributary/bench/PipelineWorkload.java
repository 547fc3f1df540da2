package io.tributary.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Workload 5, pipelines: {@code records} of 100 B with 1,000 distinct keys are written to a 1-partition input
 * first; then the pipeline starts in this JVM and processes them from the beginning with exactly-once commits every
 * 100 ms. Throughput in input records/s from the first record it takes to the last one committed. The same logic in
 * both: a stateless filter and map, and a keyed (repartitioned) 1-minute tumbling count.
 */
final class PipelineWorkload
{
    static final String NAME = "pipeline";
    static final int RECORD_SIZE = 100;
    static final int KEYS = 1000;
    static final Duration WINDOW = Duration.ofMinutes(1);

    /** The two pipelines. */
    enum Kind
    {
        FILTER_MAP("filter-map"),
        WINDOWED_COUNT("windowed count");

        final String label;

        Kind(final String label)
        {
            this.label = label;
        }
    }

    private PipelineWorkload()
    {
    }

    static void run(final Target target, final Results results, final long records) throws InterruptedException
    {
        for (final Kind kind : Kind.values())
        {
            run(target, results, kind, records);
        }
    }

    private static void run(final Target target, final Results results, final Kind kind, final long records)
        throws InterruptedException
    {
        final String name = "pipeline-" + System.nanoTime();
        final String input = name + "-in";
        final String output = name + "-out";
        target.createTopic(input, 1);
        target.createTopic(output, 1);
        try
        {
            preload(target, input, records);
            final double seconds;
            try (Target.RunningPipeline pipeline = target.pipeline(kind, input, output, records))
            {
                final long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (!pipeline.started())
                {
                    waitBefore(deadline, kind);
                }
                final long startNs = System.nanoTime();
                while (!pipeline.finished())
                {
                    waitBefore(deadline, kind);
                }
                seconds = (System.nanoTime() - startNs) / 1e9;
            }
            results.add(NAME, kind.label, "input records/s", records / seconds);
        }
        finally
        {
            target.deleteTopic(input);
            target.deleteTopic(output);
        }
    }

    private static void waitBefore(final long deadline, final Kind kind) throws InterruptedException
    {
        if (System.nanoTime() - deadline > 0)
        {
            throw new IllegalStateException(kind.label + " pipeline did not finish in 10 minutes");
        }
        Thread.sleep(5);
    }

    private static void preload(final Target target, final String input, final long records)
        throws InterruptedException
    {
        final byte[][] keys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = ("k" + i).getBytes(StandardCharsets.UTF_8);
        }
        final byte[] value = new byte[RECORD_SIZE];
        ThreadLocalRandom.current().nextBytes(value);
        try (Target.Sender sender = target.producer(ProduceWorkload.BATCH_SIZE, ProduceWorkload.LINGER))
        {
            final Acks acks = new Acks();
            final long now = System.currentTimeMillis();
            for (long i = 0; i < records && !acks.failed(); i++)
            {
                acks.sent();
                sender.send(input, keys[(int)(i % KEYS)], value, now + i / 100, acks);
            }
            sender.flush();
            acks.awaitAll(Duration.ofMinutes(5));
        }
    }
}
