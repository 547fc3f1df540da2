package io.tributary.pipeline.internal;

import io.tributary.pipeline.Record;

/**
 * What a processor may do inside its task: forward records to its children, read stores, read time, write to topics.
 * <p>
 * Not thread-safe: used only by the task's thread.
 */
public interface NodeContext
{
    /**
     * Pass a record to the node's children.
     */
    void forward(Record<?, ?> record);

    /**
     * Pass a record to one of the node's children, by the order they were added.
     */
    void forwardTo(int child, Record<?, ?> record);

    /**
     * Pass a record to the node's late-record children (the side output).
     */
    void forwardLate(Record<?, ?> record);

    KeyValueStore store(String name);

    /**
     * @return the task's watermark, {@link Long#MIN_VALUE} before any record.
     */
    long watermark();

    /**
     * @return the task's wall clock, epoch ms.
     */
    long wallClock();

    /**
     * Write a serialized record to a topic (a sink or repartition topic); partitioned by the key bytes.
     */
    void emit(String topic, byte[] key, byte[] value, long timestamp);
}
