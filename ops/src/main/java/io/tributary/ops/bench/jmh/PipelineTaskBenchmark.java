package io.tributary.ops.bench.jmh;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Windows;
import io.tributary.pipeline.internal.GraphTopology;
import io.tributary.pipeline.internal.KeyValueStore;
import io.tributary.pipeline.internal.StreamTask;
import io.tributary.pipeline.internal.TaskState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of one pipeline task without a cluster: deserializing, processing and serializing one 100-byte record
 * through a stateless filter and map, or through a keyed (1,000 keys) 1-minute tumbling-window count including the
 * repartition hop and the state changes drained per 1,000 records as a checkpoint would. Event time advances 1 ms
 * per record, so windows close as they would at 1,000 records/s of event time.
 * <p>
 * Run: {@code java -cp ops/target/tributary.jar org.openjdk.jmh.Main PipelineTaskBenchmark -f 1 -wi 2 -i 3}. Scores
 * are input records per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PipelineTaskBenchmark
{
    private static final int KEYS = 1000;

    @Param({ "filter-map", "windowed-count" })
    String kind;

    private StreamTask task;
    private final byte[][] keys = new byte[KEYS][];
    private final byte[] value = new byte[100];
    private long time;
    private byte[] repartitionKey;
    private byte[] repartitionValue;
    private long repartitionTime;
    private String repartitionTopic;
    private Blackhole sink;

    @Setup
    public void setup(final Blackhole blackhole)
    {
        sink = blackhole;
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = ("k" + i).getBytes(StandardCharsets.UTF_8);
        }
        final Pipeline p = Pipeline.create("bench");
        if ("filter-map".equals(kind))
        {
            p.stream("in", Consumed.with(Serdes.string(), Serdes.bytes()))
                .filter((k, v) -> v.length >= 8)
                .map((k, v) -> KeyValue.of(k, v))
                .to("out", Produced.with(Serdes.string(), Serdes.bytes()));
        }
        else
        {
            p.stream("in", Consumed.with(Serdes.string(), Serdes.bytes()))
                .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.bytes()))
                .window(Windows.tumbling(Duration.ofMinutes(1)))
                .count(Stateful.named("counts"))
                .map((w, c) -> KeyValue.of(w.key(), c))
                .to("out", Produced.with(Serdes.string(), Serdes.longs()));
        }
        final GraphTopology topology = (GraphTopology)p.build();
        repartitionTopic = topology.repartitionTopics().isEmpty() ? null
            : topology.repartitionTopics().iterator().next();
        task = new StreamTask(topology, new TaskState(topology.storeNames()), this::emit, 0);
    }

    @Benchmark
    public void process()
    {
        final long t = time++;
        task.process("in", keys[(int)(t % KEYS)], value, t);
        if (repartitionKey != null)
        {
            final byte[] k = repartitionKey;
            repartitionKey = null;
            task.process(repartitionTopic, k, repartitionValue, repartitionTime);
        }
        if (t % 1000 == 0)
        {
            for (final KeyValueStore store : task.state().stores().values())
            {
                sink.consume(store.drainChanges());
            }
        }
    }

    private void emit(final String topic, final byte[] key, final byte[] value, final long timestamp)
    {
        if (topic.equals(repartitionTopic))
        {
            repartitionKey = key;
            repartitionValue = value;
            repartitionTime = timestamp;
        }
        else
        {
            sink.consume(key);
            sink.consume(value);
        }
    }
}
