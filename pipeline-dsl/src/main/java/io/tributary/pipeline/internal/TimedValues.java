package io.tributary.pipeline.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Codec of a list of timestamped values, the state of buffering operators (sliding and session windows, stream–stream
 * joins). Format, big-endian: {@code int count}, then per entry {@code long timestamp, int length, byte[length]}
 * (length -1 for a null value).
 * <p>
 * Stateless and thread-safe.
 */
public final class TimedValues
{
    /**
     * One buffered value.
     *
     * @param timestamp event time.
     * @param value     serialized value, may be null.
     */
    public record Entry(long timestamp, byte[] value)
    {
    }

    private TimedValues()
    {
    }

    public static byte[] encode(final List<Entry> entries)
    {
        int size = Integer.BYTES;
        for (final Entry e : entries)
        {
            size += Long.BYTES + Integer.BYTES + (e.value == null ? 0 : e.value.length);
        }
        final ByteBuffer buffer = ByteBuffer.allocate(size);
        write(buffer, entries);
        return buffer.array();
    }

    public static List<Entry> decode(final byte[] bytes)
    {
        return bytes == null ? new ArrayList<>() : read(ByteBuffer.wrap(bytes));
    }

    static int encodedLength(final List<Entry> entries)
    {
        int size = Integer.BYTES;
        for (final Entry e : entries)
        {
            size += Long.BYTES + Integer.BYTES + (e.value == null ? 0 : e.value.length);
        }
        return size;
    }

    static void write(final ByteBuffer buffer, final List<Entry> entries)
    {
        buffer.putInt(entries.size());
        for (final Entry e : entries)
        {
            buffer.putLong(e.timestamp);
            if (e.value == null)
            {
                buffer.putInt(-1);
            }
            else
            {
                buffer.putInt(e.value.length).put(e.value);
            }
        }
    }

    static List<Entry> read(final ByteBuffer buffer)
    {
        final int count = buffer.getInt();
        final List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final long timestamp = buffer.getLong();
            final int length = buffer.getInt();
            byte[] value = null;
            if (length >= 0)
            {
                value = new byte[length];
                buffer.get(value);
            }
            entries.add(new Entry(timestamp, value));
        }
        return entries;
    }
}
