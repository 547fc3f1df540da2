package io.tributary.pipeline.internal;

import io.tributary.pipeline.Record;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Windowed;
import io.tributary.pipeline.Windows;

import java.util.Map;

/**
 * Tumbling and hopping windows: one aggregate per key and window, stored under the key bytes followed by the window
 * start, folded as records arrive and emitted once when the window closes (by watermark, or by wall clock for
 * processing-time windows), with the time {@code end - 1}.
 * <p>
 * Not thread-safe: runs on its task's thread.
 */
final class TimeWindowProcessor implements Processor
{
    private final NodeContext ctx;
    private final KeyValueStore store;
    private final Windows windows;
    private final Serde<Object> keySerde;
    private final Fold fold;
    private final long size;
    private final long advance;
    private final long lateness;
    private final WindowIndex index = new WindowIndex();

    TimeWindowProcessor(final NodeContext ctx, final String storeName, final Windows windows,
        final Serde<Object> keySerde, final Fold fold)
    {
        this.ctx = ctx;
        this.store = ctx.store(storeName);
        this.windows = windows;
        this.keySerde = keySerde;
        this.fold = fold;
        this.size = windows.size().toMillis();
        this.advance = windows.advance().toMillis();
        this.lateness = windows.processingTime() ? 0 : windows.allowedLateness().toMillis();
        store.forEach((key, value) -> index.add(key.suffix() + size + lateness, key));
    }

    public void process(final Record<Object, Object> record)
    {
        final long time = windows.processingTime() ? ctx.wallClock() : record.timestamp();
        final byte[] keyBytes = keySerde.serialize(record.key());
        final long watermark = windows.processingTime() ? Long.MIN_VALUE : ctx.watermark();
        for (long start = WindowMath.lastStart(windows, time); start > time - size; start -= advance)
        {
            final long closeAt = start + size + lateness;
            if (closeAt <= watermark)
            {
                break;
            }
            final Bytes key = Bytes.withLong(keyBytes, start);
            final byte[] before = store.get(key);
            final Object aggregate = fold.aggregator().apply(record.key(), record.value(), fold.read(before));
            store.put(key, fold.serde().serialize(aggregate));
            if (before == null)
            {
                index.add(closeAt, key);
            }
        }
    }

    public void onWatermark(final long watermark)
    {
        if (!windows.processingTime())
        {
            close(watermark);
        }
    }

    public void onWallClock(final long now)
    {
        if (windows.processingTime())
        {
            close(now);
        }
    }

    private void close(final long time)
    {
        for (final Map.Entry<Long, Bytes> due : index.pollDue(time))
        {
            final Bytes key = due.getValue();
            final byte[] bytes = store.get(key);
            if (bytes == null)
            {
                continue;
            }
            store.delete(key);
            final long start = key.suffix();
            final Object k = keySerde.deserialize(key.prefix());
            ctx.forward(new Record<>(new Windowed<>(k, start, start + size), fold.serde().deserialize(bytes),
                start + size - 1));
        }
    }
}
