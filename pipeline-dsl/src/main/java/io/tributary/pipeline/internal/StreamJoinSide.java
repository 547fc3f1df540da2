package io.tributary.pipeline.internal;

import io.tributary.pipeline.JoinWindows;
import io.tributary.pipeline.Record;
import io.tributary.pipeline.Serde;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One side of a windowed stream–stream join. A record joins the other side's buffered records of its key whose time
 * is within the join windows, then is buffered itself (as {@link TimedValues} per key) until the watermark passes it
 * by the window plus grace; a record already that old is dropped without joining.
 * <p>
 * Not thread-safe: runs on its task's thread.
 */
final class StreamJoinSide implements Processor
{
    private final NodeContext ctx;
    private final KeyValueStore own;
    private final KeyValueStore other;
    private final Serde<Object> keySerde;
    private final Serde<Object> ownSerde;
    private final Serde<Object> otherSerde;
    private final boolean left;
    private final BiFunction<Object, Object, Object> joiner;
    private final long before;
    private final long after;
    private final long retention;
    private final WindowIndex index = new WindowIndex();

    StreamJoinSide(final NodeContext ctx, final String ownStore, final String otherStore,
        final Serde<Object> keySerde, final Serde<Object> ownSerde, final Serde<Object> otherSerde,
        final JoinWindows windows, final boolean left, final BiFunction<Object, Object, Object> joiner)
    {
        this.ctx = ctx;
        this.own = ctx.store(ownStore);
        this.other = ctx.store(otherStore);
        this.keySerde = keySerde;
        this.ownSerde = ownSerde;
        this.otherSerde = otherSerde;
        this.left = left;
        this.joiner = joiner;
        this.before = (left ? windows.before() : windows.after()).toMillis();
        this.after = (left ? windows.after() : windows.before()).toMillis();
        this.retention = Math.max(windows.before().toMillis(), windows.after().toMillis())
            + windows.grace().toMillis();
        own.forEach((key, value) ->
        {
            for (final TimedValues.Entry e : TimedValues.decode(value))
            {
                index.add(e.timestamp() + retention + 1, key);
            }
        });
    }

    public void process(final Record<Object, Object> record)
    {
        final long t = record.timestamp();
        if (ctx.watermark() != Long.MIN_VALUE && t + retention < ctx.watermark())
        {
            return;
        }
        final Bytes key = Bytes.wrap(keySerde.serialize(record.key()));
        for (final TimedValues.Entry e : TimedValues.decode(other.get(key)))
        {
            if (e.timestamp() >= t - before && e.timestamp() <= t + after)
            {
                final Object partner = otherSerde.deserialize(e.value());
                final Object joined = left ? joiner.apply(record.value(), partner)
                    : joiner.apply(partner, record.value());
                ctx.forward(new Record<>(record.key(), joined, Math.max(t, e.timestamp())));
            }
        }
        final List<TimedValues.Entry> buffer = TimedValues.decode(own.get(key));
        int at = buffer.size();
        while (at > 0 && buffer.get(at - 1).timestamp() > t)
        {
            at--;
        }
        buffer.add(at, new TimedValues.Entry(t, ownSerde.serialize(record.value())));
        own.put(key, TimedValues.encode(buffer));
        index.add(t + retention + 1, key);
    }

    public void onWatermark(final long watermark)
    {
        for (final Map.Entry<Long, Bytes> due : index.pollDue(watermark))
        {
            final List<TimedValues.Entry> buffer = TimedValues.decode(own.get(due.getValue()));
            if (buffer.removeIf(e -> e.timestamp() + retention < watermark))
            {
                if (buffer.isEmpty())
                {
                    own.delete(due.getValue());
                }
                else
                {
                    own.put(due.getValue(), TimedValues.encode(buffer));
                }
            }
        }
    }
}
