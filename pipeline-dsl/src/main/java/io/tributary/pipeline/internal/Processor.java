package io.tributary.pipeline.internal;

import io.tributary.pipeline.Record;

/**
 * One operator's logic inside one task. Created per task after its state is restored.
 * <p>
 * Not thread-safe: called only by the task's thread.
 */
public interface Processor
{
    /**
     * Handle a record from the operator's parent.
     */
    void process(Record<Object, Object> record);

    /**
     * The task's watermark advanced: close what it closes. Called on every processor, parents before children.
     */
    default void onWatermark(final long watermark)
    {
    }

    /**
     * The wall clock advanced: close processing-time windows.
     */
    default void onWallClock(final long now)
    {
    }
}
