package io.tributary.pipeline.internal;

import io.tributary.pipeline.Record;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Windowed;
import io.tributary.pipeline.Windows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Session windows: a key's open sessions and their records are kept in one store entry. A record less than
 * {@code gap} from a session joins it, merging sessions it bridges; a session closes once the watermark passes its
 * last record by {@code gap + lateness}, and is then folded in time order and emitted as {@code [first, last + 1)}
 * with the time of its last record. Sessions close in order of their closing time, then key bytes.
 * <p>
 * Store value format, big-endian: {@code int sessions}, then per session {@code long first, long last} and its
 * {@link TimedValues}.
 * <p>
 * Not thread-safe: runs on its task's thread.
 */
final class SessionWindowProcessor implements Processor
{
    private record Session(long first, long last, List<TimedValues.Entry> values)
    {
    }

    private final NodeContext ctx;
    private final KeyValueStore store;
    private final Serde<Object> keySerde;
    private final Serde<Object> valueSerde;
    private final Fold fold;
    private final long gap;
    private final long lateness;
    private final WindowIndex index = new WindowIndex();

    SessionWindowProcessor(final NodeContext ctx, final String storeName, final Windows windows,
        final Serde<Object> keySerde, final Serde<Object> valueSerde, final Fold fold)
    {
        this.ctx = ctx;
        this.store = ctx.store(storeName);
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.fold = fold;
        this.gap = windows.gap().toMillis();
        this.lateness = windows.allowedLateness().toMillis();
        store.forEach((key, value) ->
        {
            for (final Session s : decode(value))
            {
                index.add(closeAt(s), key);
            }
        });
    }

    public void process(final Record<Object, Object> record)
    {
        final Bytes key = Bytes.wrap(keySerde.serialize(record.key()));
        final long t = record.timestamp();
        final List<Session> sessions = decode(store.get(key));
        long first = t;
        long last = t;
        final List<TimedValues.Entry> values = new ArrayList<>();
        values.add(new TimedValues.Entry(t, valueSerde.serialize(record.value())));
        final List<Session> kept = new ArrayList<>();
        for (final Session s : sessions)
        {
            if (t - s.last < gap && s.first - t < gap)
            {
                first = Math.min(first, s.first);
                last = Math.max(last, s.last);
                values.addAll(s.values);
            }
            else
            {
                kept.add(s);
            }
        }
        values.sort(Comparator.comparingLong(TimedValues.Entry::timestamp));
        final Session merged = new Session(first, last, values);
        kept.add(merged);
        kept.sort(Comparator.comparingLong(Session::first));
        store.put(key, encode(kept));
        index.add(closeAt(merged), key);
    }

    public void onWatermark(final long watermark)
    {
        for (final Map.Entry<Long, Bytes> due : index.pollDue(watermark))
        {
            final Bytes key = due.getValue();
            final List<Session> sessions = decode(store.get(key));
            final List<Session> open = new ArrayList<>();
            final Object k = sessions.isEmpty() ? null : keySerde.deserialize(key.array());
            for (final Session s : sessions)
            {
                if (closeAt(s) == due.getKey())
                {
                    Object aggregate = fold.initializer().get();
                    for (final TimedValues.Entry e : s.values)
                    {
                        aggregate = fold.aggregator().apply(k, valueSerde.deserialize(e.value()), aggregate);
                    }
                    ctx.forward(new Record<>(new Windowed<>(k, s.first, s.last + 1), aggregate, s.last));
                }
                else
                {
                    open.add(s);
                }
            }
            if (open.size() != sessions.size())
            {
                if (open.isEmpty())
                {
                    store.delete(key);
                }
                else
                {
                    store.put(key, encode(open));
                }
            }
        }
    }

    private long closeAt(final Session s)
    {
        return s.last + gap + lateness;
    }

    private static List<Session> decode(final byte[] bytes)
    {
        final List<Session> sessions = new ArrayList<>();
        if (bytes == null)
        {
            return sessions;
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        final int count = buffer.getInt();
        for (int i = 0; i < count; i++)
        {
            final long first = buffer.getLong();
            final long last = buffer.getLong();
            sessions.add(new Session(first, last, TimedValues.read(buffer)));
        }
        return sessions;
    }

    private static byte[] encode(final List<Session> sessions)
    {
        int size = Integer.BYTES;
        for (final Session s : sessions)
        {
            size += 2 * Long.BYTES + TimedValues.encodedLength(s.values);
        }
        final ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putInt(sessions.size());
        for (final Session s : sessions)
        {
            buffer.putLong(s.first).putLong(s.last);
            TimedValues.write(buffer, s.values);
        }
        return buffer.array();
    }
}
