package io.tributary.log.internal.storage;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Sparse map from offset to file position within one segment, so a read need not scan the segment from its start.
 * <p>
 * On disk, {@code NNNNNNNNNNNNNNNNNNNN.index} next to its segment: back-to-back 8-byte little-endian entries of
 * (int32 offset relative to the segment's base offset, int32 position in the segment file) of the first byte of a
 * batch whose base offset that is. Relative offsets and positions strictly increase. An entry is added when at least
 * {@code indexIntervalBytes} of log have been written since the previous one; the first batch of a segment is at
 * position 0 and needs none. The active segment's index is preallocated and its entry count is not stored, so it is
 * rebuilt from the log on open; a rolled segment's index is trimmed to its entries.
 * <p>
 * Threading: a single writer appends; any thread may look up. Entries are written before the count that covers
 * them is published (volatile), so readers only see whole entries.
 */
final class OffsetIndex
{
    static final int ENTRY_LENGTH = 8;

    private final MappedFile file;
    private final UnsafeBuffer buffer;
    private final int maxEntries;
    private volatile int entries;

    private OffsetIndex(final MappedFile file, final int entries)
    {
        this.file = file;
        this.buffer = file.buffer();
        this.maxEntries = file.mappedLength() / ENTRY_LENGTH;
        this.entries = entries;
    }

    /**
     * Map an index with room for {@code maxEntries} and no entries; existing content is ignored and overwritten.
     */
    static OffsetIndex create(final Path path, final int maxEntries)
    {
        final long length = (long)maxEntries * ENTRY_LENGTH;
        return new OffsetIndex(MappedFile.open(path, length, length), 0);
    }

    /**
     * Map the index of a rolled segment, which holds exactly its entries; check it with {@link #check(int, long)}.
     */
    static OffsetIndex load(final Path path)
    {
        final long size = MappedFile.sizeOf(path);
        final OffsetIndex index = new OffsetIndex(MappedFile.open(path, size, size), (int)(size / ENTRY_LENGTH));
        index.file.closeChannel();
        return index;
    }

    int entries()
    {
        return entries;
    }

    int relativeOffset(final int entry)
    {
        return buffer.getInt(entry * ENTRY_LENGTH, LITTLE_ENDIAN);
    }

    int position(final int entry)
    {
        return buffer.getInt(entry * ENTRY_LENGTH + 4, LITTLE_ENDIAN);
    }

    boolean isFull()
    {
        return entries >= maxEntries;
    }

    void append(final int relativeOffset, final int position)
    {
        final int entry = entries;
        buffer.putInt(entry * ENTRY_LENGTH, relativeOffset, LITTLE_ENDIAN);
        buffer.putInt(entry * ENTRY_LENGTH + 4, position, LITTLE_ENDIAN);
        entries = entry + 1;
    }

    /**
     * @return position of the last indexed batch whose relative base offset is at most {@code relativeOffset}, or 0.
     */
    int lookup(final long relativeOffset)
    {
        int low = 0;
        int high = entries - 1;
        int found = -1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            if (relativeOffset(mid) <= relativeOffset)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found < 0 ? 0 : position(found);
    }

    void clear()
    {
        entries = 0;
    }

    /**
     * @return null when the entries are plausible for a segment of {@code logLength} bytes spanning
     * {@code offsetSpan} offsets, else why not.
     */
    String check(final int logLength, final long offsetSpan)
    {
        if (file.mappedLength() % ENTRY_LENGTH != 0)
        {
            return "size " + file.mappedLength() + " is not a multiple of " + ENTRY_LENGTH;
        }
        int previousOffset = 0;
        int previousPosition = 0;
        for (int i = 0; i < entries; i++)
        {
            final int relativeOffset = relativeOffset(i);
            final int position = position(i);
            if (relativeOffset <= previousOffset || position <= previousPosition)
            {
                return "entry " + i + " (" + relativeOffset + ", " + position + ") does not increase";
            }
            if (relativeOffset >= offsetSpan || position >= logLength)
            {
                return "entry " + i + " (" + relativeOffset + ", " + position + ") is past the segment's end";
            }
            previousOffset = relativeOffset;
            previousPosition = position;
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
