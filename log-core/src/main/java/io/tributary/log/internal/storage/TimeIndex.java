package io.tributary.log.internal.storage;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Sparse map from timestamp to offset within one segment, to find the first record at or after a time without
 * reading the whole segment.
 * <p>
 * On disk, {@code NNNNNNNNNNNNNNNNNNNN.timeindex} next to its segment: back-to-back 12-byte little-endian entries of
 * (int64 timestamp, int32 offset relative to the segment's base offset). An entry {@code (t, r)} means every record
 * in batches before the batch at relative offset {@code r}, and in that batch, has a timestamp of at most {@code t};
 * so a search for time {@code T} may skip to the last entry with {@code t < T}. Timestamps strictly increase: an
 * entry is added alongside an offset index entry when the segment's largest timestamp so far exceeds the last
 * indexed one, so each entry's offset is also in the offset index. Preallocated and rebuilt like
 * {@link OffsetIndex}.
 * <p>
 * Threading: a single writer appends; any thread may look up (count published last, volatile).
 */
final class TimeIndex
{
    static final int ENTRY_LENGTH = 12;

    private final MappedFile file;
    private final UnsafeBuffer buffer;
    private volatile int entries;

    private TimeIndex(final MappedFile file, final int entries)
    {
        this.file = file;
        this.buffer = file.buffer();
        this.entries = entries;
    }

    static TimeIndex create(final Path path, final int maxEntries)
    {
        final long length = (long)maxEntries * ENTRY_LENGTH;
        return new TimeIndex(MappedFile.open(path, length, length), 0);
    }

    static TimeIndex load(final Path path)
    {
        final long size = MappedFile.sizeOf(path);
        final TimeIndex index = new TimeIndex(MappedFile.open(path, size, size), (int)(size / ENTRY_LENGTH));
        index.file.closeChannel();
        return index;
    }

    int entries()
    {
        return entries;
    }

    long timestamp(final int entry)
    {
        return buffer.getLong(entry * ENTRY_LENGTH, LITTLE_ENDIAN);
    }

    int relativeOffset(final int entry)
    {
        return buffer.getInt(entry * ENTRY_LENGTH + 8, LITTLE_ENDIAN);
    }

    /**
     * @return timestamp of the last entry, or {@link Long#MIN_VALUE} when there is none.
     */
    long lastTimestamp()
    {
        final int entries = this.entries;
        return 0 == entries ? Long.MIN_VALUE : timestamp(entries - 1);
    }

    void append(final long timestamp, final int relativeOffset)
    {
        final int entry = entries;
        buffer.putLong(entry * ENTRY_LENGTH, timestamp, LITTLE_ENDIAN);
        buffer.putInt(entry * ENTRY_LENGTH + 8, relativeOffset, LITTLE_ENDIAN);
        entries = entry + 1;
    }

    /**
     * @return relative offset of the last entry with a timestamp below {@code timestamp}, or -1 when none is.
     */
    int lookup(final long timestamp)
    {
        int low = 0;
        int high = entries - 1;
        int found = -1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            if (timestamp(mid) < timestamp)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found < 0 ? -1 : relativeOffset(found);
    }

    void clear()
    {
        entries = 0;
    }

    String check(final long offsetSpan)
    {
        if (file.mappedLength() % ENTRY_LENGTH != 0)
        {
            return "size " + file.mappedLength() + " is not a multiple of " + ENTRY_LENGTH;
        }
        long previousTimestamp = Long.MIN_VALUE;
        int previousOffset = 0;
        for (int i = 0; i < entries; i++)
        {
            final long timestamp = timestamp(i);
            final int relativeOffset = relativeOffset(i);
            if ((i > 0 && timestamp <= previousTimestamp) || relativeOffset <= previousOffset)
            {
                return "entry " + i + " (" + timestamp + ", " + relativeOffset + ") does not increase";
            }
            if (relativeOffset >= offsetSpan)
            {
                return "entry " + i + " (" + timestamp + ", " + relativeOffset + ") is past the segment's end";
            }
            previousTimestamp = timestamp;
            previousOffset = relativeOffset;
        }

        return null;
    }

    void trim()
    {
        file.trimAndCloseChannel((long)entries * ENTRY_LENGTH);
    }

    void force()
    {
        file.force();
    }

    void close()
    {
        file.closeChannel();
    }

    Path path()
    {
        return file.path();
    }
}
