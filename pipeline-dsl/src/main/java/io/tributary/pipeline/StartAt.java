package io.tributary.pipeline;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a pipeline starts reading its input topics when its group has no committed offsets for them: the beginning,
 * an offset, a time, or the end (only new records). After that it carries on live: the same code backfills and
 * runs in real time. Once the pipeline has committed, it resumes from its commits.
 *
 * @param position which kind of start.
 * @param offset   the offset, for {@link Position#OFFSET}.
 * @param time     the time, for {@link Position#TIME}: the first record at or after it.
 */
public record StartAt(Position position, long offset, Instant time)
{
    /**
     * The kinds of start.
     */
    public enum Position
    {
        BEGINNING, END, OFFSET, TIME
    }

    public StartAt
    {
        Objects.requireNonNull(position, "position");
        if (position == Position.TIME)
        {
            Objects.requireNonNull(time, "time");
        }
        if (position == Position.OFFSET && offset < 0)
        {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
    }

    public static StartAt beginning()
    {
        return new StartAt(Position.BEGINNING, 0, null);
    }

    public static StartAt end()
    {
        return new StartAt(Position.END, 0, null);
    }

    /**
     * @return the same offset in every input partition.
     */
    public static StartAt offset(final long offset)
    {
        return new StartAt(Position.OFFSET, offset, null);
    }

    public static StartAt time(final Instant time)
    {
        return new StartAt(Position.TIME, 0, time);
    }
}
