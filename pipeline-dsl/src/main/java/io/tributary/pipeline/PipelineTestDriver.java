package io.tributary.pipeline;

import io.tributary.pipeline.internal.Bytes;
import io.tributary.pipeline.internal.GraphTopology;
import io.tributary.pipeline.internal.KeyValueStore;
import io.tributary.pipeline.internal.StreamTask;
import io.tributary.pipeline.internal.TaskState;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs a pipeline in-process, without a cluster, for tests: pipe records into input topics, read what it wrote,
 * move event time and the wall clock. It runs the same task code as the cluster runtime, as one task holding every
 * partition: records written to a repartition topic are processed right after the record that caused them, and
 * state changes go to an in-memory changelog, so {@link #restart()} shows what a restarted pipeline would restore.
 * <pre>{@code
 * try (PipelineTestDriver driver = new PipelineTestDriver(topology))
 * {
 *     TestInput<String, Reading> in = driver.input("readings", Serdes.string(), Serdes.json(Reading.class));
 *     TestOutput<String, Alert> out = driver.output("alerts", Serdes.string(), Serdes.json(Alert.class));
 *     in.pipe("s1", new Reading("s1", 21.5), 1_000);
 *     driver.advanceWatermark(Instant.ofEpochSecond(120));
 *     assertEquals(List.of(...), out.readValues());
 * }
 * }</pre>
 * The wall clock starts at 0 (epoch) and moves only when told. Each piped record is processed completely, including
 * the windows it closes, before {@code pipe} returns; an exception thrown by user code surfaces from {@code pipe}.
 * <p>
 * Not thread-safe: use a driver from one thread.
 */
public final class PipelineTestDriver implements AutoCloseable
{
    /**
     * A record as written by the pipeline: serialized key and value and its timestamp.
     */
    record Written(String topic, byte[] key, byte[] value, long timestamp)
    {
    }

    private final GraphTopology topology;
    private final Set<String> repartitionTopics;
    private final Map<String, Deque<Written>> outputs = new HashMap<>();
    private final Deque<Written> internal = new ArrayDeque<>();
    private final Map<String, TreeMap<Bytes, byte[]>> changelogs = new LinkedHashMap<>();
    private StreamTask task;

    /**
     * @param topology a topology built by {@link Pipeline#build()}.
     */
    public PipelineTestDriver(final Topology topology)
    {
        this.topology = (GraphTopology)topology;
        this.repartitionTopics = topology.repartitionTopics();
        for (final String store : this.topology.changelogTopics().keySet())
        {
            changelogs.put(store, new TreeMap<>());
        }
        this.task = new StreamTask(this.topology, new TaskState(this.topology.storeNames()), this::written, 0);
    }

    /**
     * @return a handle to pipe records into an input topic of the pipeline.
     */
    public <K, V> TestInput<K, V> input(final String topic, final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        if (!topology.inputTopics().contains(topic))
        {
            throw new IllegalArgumentException("pipeline " + topology.name() + " does not read " + topic
                + "; it reads " + topology.sourceTopics());
        }
        return new TestInput<>(this, topic, keySerde, valueSerde);
    }

    /**
     * @return a handle to read what the pipeline wrote to a topic, including topics chosen by a router.
     */
    public <K, V> TestOutput<K, V> output(final String topic, final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        return new TestOutput<>(queue(topic), keySerde, valueSerde);
    }

    /**
     * Move the wall clock forward and close the processing-time windows it passes.
     */
    public void advanceWallClock(final Duration by)
    {
        if (by.isNegative())
        {
            throw new IllegalArgumentException("the wall clock does not go back: " + by);
        }
        task.advanceWallClock(task.wallClock() + by.toMillis());
        drain();
    }

    /**
     * Move the watermark to the time (if later), closing the event-time windows it passes, as if a record with that
     * time had arrived on an idle input.
     */
    public void advanceWatermark(final long epochMillis)
    {
        task.advanceWatermark(epochMillis);
        drain();
    }

    /**
     * @return the current watermark, {@link Long#MIN_VALUE} before any record.
     */
    public long watermark()
    {
        return task.watermark();
    }

    /**
     * @return the wall clock, epoch ms.
     */
    public long wallClock()
    {
        return task.wallClock();
    }

    /**
     * Read a state store, e.g. a table or an aggregation.
     *
     * @return key to value, in key-bytes order.
     */
    public <K, V> Map<K, V> readStore(final String store, final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        final KeyValueStore kv = task.state().store(store);
        final Map<K, V> map = new LinkedHashMap<>();
        kv.forEach((k, v) -> map.put(keySerde.deserialize(k.array()), valueSerde.deserialize(v)));
        return map;
    }

    /**
     * Throw the running task away and start a new one from the changelogs, as the runtime does after a crash or a
     * redeploy. Outputs not read yet stay readable.
     */
    public void restart()
    {
        final TaskState state = new TaskState(topology.storeNames());
        changelogs.forEach((store, log) -> log.forEach((k, v) -> state.store(store).restore(k, v)));
        task = new StreamTask(topology, state, this::written, task.wallClock());
    }

    /**
     * @return the topics the pipeline wrote to so far, including routed ones.
     */
    public List<String> writtenTopics()
    {
        return outputs.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).sorted()
            .toList();
    }

    public void close()
    {
        outputs.clear();
        internal.clear();
    }

    void pipe(final String topic, final byte[] key, final byte[] value, final long timestamp)
    {
        task.process(topic, key, value, timestamp);
        drain();
    }

    private void drain()
    {
        Written next;
        while ((next = internal.pollFirst()) != null)
        {
            task.process(next.topic(), next.key(), next.value(), next.timestamp());
        }
        for (final KeyValueStore store : task.state().stores().values())
        {
            final TreeMap<Bytes, byte[]> log = changelogs.get(store.name());
            store.drainChanges().forEach((k, v) ->
            {
                if (v == null)
                {
                    log.remove(k);
                }
                else
                {
                    log.put(k, v);
                }
            });
        }
    }

    private void written(final String topic, final byte[] key, final byte[] value, final long timestamp)
    {
        final Written w = new Written(topic, key, value, timestamp);
        if (repartitionTopics.contains(topic))
        {
            internal.addLast(w);
        }
        else
        {
            queue(topic).addLast(w);
        }
    }

    private Deque<Written> queue(final String topic)
    {
        return outputs.computeIfAbsent(topic, t -> new ArrayDeque<>());
    }
}
