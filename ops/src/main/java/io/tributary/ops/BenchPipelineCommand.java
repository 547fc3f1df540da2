package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.PipelineRunner;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.RunnerConfig;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.StartAt;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Topology;
import io.tributary.pipeline.Windows;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code tributary bench pipeline}: throughput and end-to-end latency of a pipeline run by {@link PipelineRunner} in
 * this JVM against a cluster, with exactly-once checkpoints.
 * <ul>
 *   <li>{@code filter-map}: a stateless filter and map; latency from a record's intended send time (in its value) to
 *       the consumer of the output receiving it.</li>
 *   <li>{@code windowed-count}: keyed (1,000 keys, repartitioned) tumbling-window count; latency from the window's
 *       end (event time = intended send time) to the consumer receiving the window's final count.</li>
 * </ul>
 * Without {@code --rate}, it measures throughput: {@code --records} are written first, then the pipeline processes
 * them from the beginning as fast as it can. With {@code --rate}, it produces at that rate for {@code --seconds}
 * while the pipeline runs live.
 */
@Command(name = "pipeline", description = {
    "Throughput (--records, preloaded) or end-to-end latency (--rate for --seconds, live) of a filter-map or a",
    "keyed windowed-count pipeline run in this JVM with exactly-once checkpoints. Topics are fresh and deleted after." })
final class BenchPipelineCommand implements Callable<Integer>
{
    private static final int KEYS = 1000;

    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Option(names = "--kind", paramLabel = "K", required = true, description = "filter-map or windowed-count")
    String kind;

    @Option(names = "--records", paramLabel = "N", defaultValue = "200000",
        description = "records to preload for a throughput run (default: ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--rate", paramLabel = "R", description = "records per second: a latency run")
    Integer rate;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "20",
        description = "how long a latency run produces (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "1m", converter = DurationConverter.class,
        description = "window size of windowed-count (default: ${DEFAULT-VALUE})")
    Duration window;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "1",
        description = "partitions of the input (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--record-size", paramLabel = "B", defaultValue = "100",
        description = "bytes of each value, at least 8 (default: ${DEFAULT-VALUE})")
    int recordSize;

    BenchPipelineCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call() throws InterruptedException
    {
        final boolean windowed = "windowed-count".equals(kind);
        if (!windowed && !"filter-map".equals(kind))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kind must be filter-map or "
                + "windowed-count: " + kind);
        }
        if (records < 1 || seconds < 1 || partitions < 1 || recordSize < Long.BYTES || (rate != null && rate < 1))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--records, --seconds, --partitions and "
                + "--rate must be >= 1 and --record-size >= 8");
        }
        BenchCommand.println(ctx.out(), BenchCommand.machine());
        final String name = "bench-pipeline-" + System.currentTimeMillis();
        final String input = name + "-in";
        final String output = name + "-out";
        final Topology topology = windowed ? windowedCount(name, input, output) : filterMap(name, input, output);
        try (Admin admin = Admin.create(cluster.cluster()))
        {
            admin.createTopic(new NewTopic(input, partitions));
            admin.createTopic(new NewTopic(output, partitions));
            try
            {
                if (rate == null)
                {
                    throughput(topology, input, windowed);
                }
                else
                {
                    latency(topology, input, output, windowed);
                }
            }
            finally
            {
                final List<String> topics = new ArrayList<>(List.of(input, output));
                topics.addAll(topology.repartitionTopics());
                topics.addAll(topology.changelogTopics().values());
                for (final String topic : topics)
                {
                    if (admin.listTopics().contains(topic))
                    {
                        admin.deleteTopic(topic);
                    }
                }
            }
        }
        return TributaryCli.OK;
    }

    private static Topology filterMap(final String name, final String input, final String output)
    {
        final Pipeline p = Pipeline.create(name);
        p.stream(input, Consumed.with(Serdes.string(), Serdes.bytes()))
            .filter((k, v) -> v.length >= Long.BYTES)
            .map((k, v) -> KeyValue.of(k, v))
            .to(output, Produced.with(Serdes.string(), Serdes.bytes()));
        return p.build();
    }

    private Topology windowedCount(final String name, final String input, final String output)
    {
        final Pipeline p = Pipeline.create(name);
        p.stream(input, Consumed.with(Serdes.string(), Serdes.bytes()))
            .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.bytes()))
            .window(Windows.tumbling(window))
            .count(Stateful.named("counts"))
            .map((w, count) -> KeyValue.of(w.key() + "@" + w.end(), count))
            .to(output, Produced.with(Serdes.string(), Serdes.longs()));
        return p.build();
    }

    private void throughput(final Topology topology, final String input, final boolean windowed)
        throws InterruptedException
    {
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT, "bench pipeline %s: %d records of %d B preloaded "
            + "into %d partition(s), then processed from the beginning", kind, records, recordSize, partitions));
        final byte[] filler = filler();
        try (Producer<String, byte[]> producer = Producer.create(ProducerConfig.builder().cluster(cluster.cluster())
            .build(), Serializer.string(), Serializer.bytes()))
        {
            final long now = System.currentTimeMillis();
            for (int i = 0; i < records; i++)
            {
                producer.send(new ProducerRecord<>(input, null, "k" + (i % KEYS), filler, now + i / 100, List.of()));
            }
            producer.flush();
        }
        final long expected = windowed ? 2L * records : records;
        final PipelineRunner runner = PipelineRunner.create(topology, RunnerConfig.of(cluster.cluster())
            .withStartAt(StartAt.beginning()));
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                runner.run();
            }
            catch (final RuntimeException ex)
            {
                failure.set(ex);
            }
        }, "bench-pipeline");
        final long startNs = System.nanoTime();
        thread.start();
        long firstNs = 0;
        while (runner.processedRecords() < expected && failure.get() == null
            && System.nanoTime() - startNs < TimeUnit.MINUTES.toNanos(10))
        {
            if (firstNs == 0 && runner.processedRecords() > 0)
            {
                firstNs = System.nanoTime();
            }
            Thread.sleep(1);
        }
        final long endNs = System.nanoTime();
        runner.close();
        thread.join(TimeUnit.SECONDS.toMillis(60));
        if (failure.get() != null)
        {
            throw failure.get();
        }
        final double seconds = (endNs - firstNs) / 1e9;
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
            "processed %d input records (%d with repartitioned ones) in %.2f s from the first: %.0f records/s; "
                + "startup (join, restore) %.2f s; %d checkpoints", records, runner.processedRecords(), seconds,
            records / seconds, (firstNs - startNs) / 1e9, runner.checkpoints()));
    }

    private void latency(final Topology topology, final String input, final String output, final boolean windowed)
        throws InterruptedException
    {
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT, "bench pipeline %s: %d records/s for %d s, %d B, "
            + "%d partition(s), live", kind, rate, seconds, recordSize, partitions));
        final PipelineRunner runner = PipelineRunner.create(topology, RunnerConfig.of(cluster.cluster())
            .withStartAt(StartAt.beginning()));
        final Thread pipelineThread = new Thread(runner::run, "bench-pipeline");
        pipelineThread.start();
        final Histogram micros = new SynchronizedHistogram(3);
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread reader = new Thread(() -> read(output, windowed, micros, received, stop), "bench-reader");
        reader.start();
        try (Producer<String, byte[]> producer = Producer.create(ProducerConfig.builder().cluster(cluster.cluster())
            .linger(Duration.ZERO).build(), Serializer.string(), Serializer.bytes()))
        {
            Thread.sleep(3_000);
            final byte[] filler = filler();
            final long total = (long)rate * seconds;
            final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
            final long startNs = System.nanoTime();
            final long startMs = System.currentTimeMillis();
            for (long i = 0; i < total; i++)
            {
                final long intendedNs = startNs + i * intervalNs;
                while (intendedNs - System.nanoTime() > 0)
                {
                    LockSupport.parkNanos(Math.max(1, intendedNs - System.nanoTime() - 50_000));
                }
                final byte[] value = filler.clone();
                ByteBuffer.wrap(value).putLong(0, intendedNs);
                producer.send(new ProducerRecord<>(input, null, "k" + (i % KEYS), value,
                    startMs + TimeUnit.NANOSECONDS.toMillis(intendedNs - startNs), List.of()));
            }
            producer.flush();
            Thread.sleep(3_000);
        }
        finally
        {
            runner.close();
            pipelineThread.join(TimeUnit.SECONDS.toMillis(60));
            Thread.sleep(2_000);
            stop.set(true);
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
        BenchCommand.println(ctx.out(), String.format(Locale.ROOT, "received %d results, %d checkpoints",
            received.get(), runner.checkpoints()));
        BenchCommand.println(ctx.out(), (windowed ? "window end -> final count received" : "end-to-end")
            + " latency ms: " + BenchCommand.percentilesMs(micros));
    }

    private void read(final String output, final boolean windowed, final Histogram micros, final AtomicLong received,
        final AtomicBoolean stop)
    {
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster.cluster())
            .fetchMaxWait(Duration.ofMillis(100)).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assignAll(output);
            consumer.seekToBeginning(consumer.assignment());
            while (!stop.get())
            {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100)))
                {
                    if (windowed)
                    {
                        micros.recordValue(Math.max(0, (System.currentTimeMillis() - (r.timestamp() + 1)) * 1000));
                    }
                    else
                    {
                        micros.recordValue(Math.max(0,
                            (System.nanoTime() - ByteBuffer.wrap(r.value()).getLong(0)) / 1000));
                    }
                    received.incrementAndGet();
                }
            }
        }
    }

    private byte[] filler()
    {
        final byte[] filler = new byte[recordSize];
        ThreadLocalRandom.current().nextBytes(filler);
        return filler;
    }
}
