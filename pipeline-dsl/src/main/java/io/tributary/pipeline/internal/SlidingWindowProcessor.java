package io.tributary.pipeline.internal;

import io.tributary.pipeline.Record;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Windowed;
import io.tributary.pipeline.Windows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sliding windows: each key's recent records are buffered in time order (as {@link TimedValues}); each distinct
 * record time {@code t} defines the window {@code [t - size, t]}, folded from the buffer and emitted once when it
 * closes ({@code t + 1 + lateness <= watermark}), so records that arrived out of order but in time are counted. A
 * record leaves the buffer once no open window can hold it.
 * <p>
 * Not thread-safe: runs on its task's thread.
 */
final class SlidingWindowProcessor implements Processor
{
    private final NodeContext ctx;
    private final KeyValueStore store;
    private final Serde<Object> keySerde;
    private final Serde<Object> valueSerde;
    private final Fold fold;
    private final long size;
    private final long lateness;
    private final WindowIndex index = new WindowIndex();

    SlidingWindowProcessor(final NodeContext ctx, final String storeName, final Windows windows,
        final Serde<Object> keySerde, final Serde<Object> valueSerde, final Fold fold)
    {
        this.ctx = ctx;
        this.store = ctx.store(storeName);
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.fold = fold;
        this.size = windows.size().toMillis();
        this.lateness = windows.allowedLateness().toMillis();
        final long watermark = ctx.watermark();
        store.forEach((key, value) ->
        {
            for (final TimedValues.Entry e : TimedValues.decode(value))
            {
                if (e.timestamp() + 1 + lateness > watermark)
                {
                    index.add(e.timestamp() + 1 + lateness, key);
                }
            }
        });
    }

    public void process(final Record<Object, Object> record)
    {
        final Bytes key = Bytes.wrap(keySerde.serialize(record.key()));
        final List<TimedValues.Entry> buffer = TimedValues.decode(store.get(key));
        int at = buffer.size();
        while (at > 0 && buffer.get(at - 1).timestamp() > record.timestamp())
        {
            at--;
        }
        buffer.add(at, new TimedValues.Entry(record.timestamp(), valueSerde.serialize(record.value())));
        store.put(key, TimedValues.encode(buffer));
        index.add(record.timestamp() + 1 + lateness, key);
    }

    public void onWatermark(final long watermark)
    {
        final Set<Bytes> touched = new TreeSet<>();
        for (final Map.Entry<Long, Bytes> due : index.pollDue(watermark))
        {
            final Bytes key = due.getValue();
            final long end = due.getKey() - lateness;
            final List<TimedValues.Entry> buffer = TimedValues.decode(store.get(key));
            touched.add(key);
            final long start = end - 1 - size;
            final Object k = keySerde.deserialize(key.array());
            Object aggregate = fold.initializer().get();
            for (final TimedValues.Entry e : buffer)
            {
                if (e.timestamp() >= start && e.timestamp() < end)
                {
                    aggregate = fold.aggregator().apply(k, valueSerde.deserialize(e.value()), aggregate);
                }
            }
            ctx.forward(new Record<>(new Windowed<>(k, start, end), aggregate, end - 1));
        }
        for (final Bytes key : touched)
        {
            final List<TimedValues.Entry> buffer = TimedValues.decode(store.get(key));
            if (buffer.removeIf(e -> e.timestamp() + size + 1 + lateness <= watermark))
            {
                if (buffer.isEmpty())
                {
                    store.delete(key);
                }
                else
                {
                    store.put(key, TimedValues.encode(buffer));
                }
            }
        }
    }
}
