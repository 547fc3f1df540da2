package io.tributary.log;

/**
 * Where {@link Admin#resetOffsets} moves a group's committed offsets. Build with {@link #earliest()},
 * {@link #latest()}, {@link #offset(long)} or {@link #time(long)}.
 *
 * @param kind  which target.
 * @param value the offset for {@link Kind#OFFSET}, epoch ms for {@link Kind#TIME}, else 0.
 */
public record ResetTo(Kind kind, long value)
{
    public enum Kind
    {
        /** Each partition's first offset still held. */
        EARLIEST,
        /** Each partition's end: only records written from now on are read. */
        LATEST,
        /** The same offset in every partition; it must be within each partition's range. */
        OFFSET,
        /** Each partition's first record at or after a time, or its end when there is none. */
        TIME
    }

    public static ResetTo earliest()
    {
        return new ResetTo(Kind.EARLIEST, 0);
    }

    public static ResetTo latest()
    {
        return new ResetTo(Kind.LATEST, 0);
    }

    public static ResetTo offset(final long offset)
    {
        if (offset < 0)
        {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        return new ResetTo(Kind.OFFSET, offset);
    }

    public static ResetTo time(final long epochMs)
    {
        return new ResetTo(Kind.TIME, epochMs);
    }
}
