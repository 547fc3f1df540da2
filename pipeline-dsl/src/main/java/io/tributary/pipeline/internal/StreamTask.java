package io.tributary.pipeline.internal;

import io.tributary.pipeline.Record;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a topology for one input partition: deserializes each input record, advances the watermark, pushes the
 * record through the operators depth first, and hands everything written to topics to an {@link Output}. The same
 * task runs inside the test driver and inside the cluster runtime.
 * <p>
 * The watermark is the highest event time seen on stream inputs minus the largest out-of-orderness allowance; it
 * never goes back, and it is kept in the task's own store so that a restored task judges lateness as before.
 * <p>
 * Not thread-safe: one thread drives a task.
 */
@SuppressWarnings("unchecked")
public final class StreamTask
{
    /**
     * Where a task's writes go.
     */
    @FunctionalInterface
    public interface Output
    {
        void emit(String topic, byte[] key, byte[] value, long timestamp);
    }

    private final GraphTopology topology;
    private final TaskState state;
    private final Output output;
    private final List<TaskNode> taskNodes = new ArrayList<>();
    private final long outOfOrderness;
    private long watermark;
    private long wallClock;

    public StreamTask(final GraphTopology topology, final TaskState state, final Output output, final long wallClock)
    {
        this.topology = topology;
        this.state = state;
        this.output = output;
        this.outOfOrderness = topology.outOfOrderness();
        this.watermark = state.watermark();
        this.wallClock = wallClock;
        for (final Node node : topology.nodes())
        {
            taskNodes.add(new TaskNode(node));
        }
        for (final TaskNode taskNode : taskNodes)
        {
            taskNode.link();
        }
        for (final TaskNode taskNode : taskNodes)
        {
            taskNode.processor = taskNode.node.create(taskNode);
        }
    }

    /**
     * Process one record read from an input topic.
     */
    public void process(final String topic, final byte[] key, final byte[] value, final long recordTimestamp)
    {
        final SourceSpec source = topology.source(topic);
        if (source == null)
        {
            throw new IllegalArgumentException("pipeline " + topology.name() + " does not read topic " + topic);
        }
        final Object k = source.keySerde().deserialize(key);
        final Object v = source.valueSerde().deserialize(value);
        final long timestamp = source.timestamps().extract(k, v, recordTimestamp);
        final long before = watermark;
        if (source.kind() != SourceSpec.Kind.TABLE && timestamp - outOfOrderness > watermark)
        {
            watermark = timestamp - outOfOrderness;
        }
        taskNodes.get(source.node().id()).processor.process(new Record<>(k, v, timestamp));
        if (watermark != before)
        {
            fireWatermark();
        }
    }

    /**
     * Move the watermark forward without a record, e.g. in tests or when inputs are known to be idle.
     */
    public void advanceWatermark(final long to)
    {
        if (to > watermark)
        {
            watermark = to;
            fireWatermark();
        }
    }

    /**
     * Move the wall clock forward; processing-time windows close by it.
     */
    public void advanceWallClock(final long now)
    {
        if (now > wallClock)
        {
            wallClock = now;
        }
        for (final TaskNode taskNode : taskNodes)
        {
            taskNode.processor.onWallClock(wallClock);
        }
    }

    public long watermark()
    {
        return watermark;
    }

    public long wallClock()
    {
        return wallClock;
    }

    public TaskState state()
    {
        return state;
    }

    private void fireWatermark()
    {
        state.watermark(watermark);
        for (final TaskNode taskNode : taskNodes)
        {
            taskNode.processor.onWatermark(watermark);
        }
    }

    private final class TaskNode implements NodeContext
    {
        private final Node node;
        private TaskNode[] children;
        private TaskNode[] lateChildren;
        private Processor processor;

        private TaskNode(final Node node)
        {
            this.node = node;
        }

        private void link()
        {
            children = node.children().stream().map(n -> taskNodes.get(n.id())).toArray(TaskNode[]::new);
            lateChildren = node.lateChildren().stream().map(n -> taskNodes.get(n.id())).toArray(TaskNode[]::new);
        }

        public void forward(final Record<?, ?> record)
        {
            for (final TaskNode child : children)
            {
                child.processor.process((Record<Object, Object>)record);
            }
        }

        public void forwardTo(final int child, final Record<?, ?> record)
        {
            children[child].processor.process((Record<Object, Object>)record);
        }

        public void forwardLate(final Record<?, ?> record)
        {
            for (final TaskNode child : lateChildren)
            {
                child.processor.process((Record<Object, Object>)record);
            }
        }

        public KeyValueStore store(final String name)
        {
            return state.store(name);
        }

        public long watermark()
        {
            return watermark;
        }

        public long wallClock()
        {
            return wallClock;
        }

        public void emit(final String topic, final byte[] key, final byte[] value, final long timestamp)
        {
            output.emit(topic, key, value, timestamp);
        }
    }
}
