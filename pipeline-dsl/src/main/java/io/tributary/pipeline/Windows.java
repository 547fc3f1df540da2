package io.tributary.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link KeyedStream#window} groups records in time. Results are final: a window's result is emitted once, when
 * the watermark passes its end plus the allowed lateness; records arriving after that are late and go to
 * {@link WindowedStream#lateRecords()} instead.
 * <ul>
 *   <li>{@link #tumbling}: fixed, adjacent windows {@code [n*size, (n+1)*size)}.</li>
 *   <li>{@link #hopping}: fixed windows of {@code size} starting every {@code advance}; a record is in
 *       {@code size/advance} of them.</li>
 *   <li>{@link #sliding}: one window per distinct record time {@code t} of a key, covering {@code [t - size, t]}:
 *       "the last {@code size} before each record".</li>
 *   <li>{@link #session}: records of a key less than {@code gap} apart form one session; a session closes after
 *       {@code gap} without records.</li>
 * </ul>
 * Windows use event time unless {@link #onProcessingTime()} (tumbling and hopping only): then a record falls in the
 * window of the wall-clock time it is processed, and windows close by the wall clock.
 *
 * @param kind            the kind of window.
 * @param size            length of a window (zero for sessions).
 * @param advance         distance between window starts (hopping; equals size for tumbling; zero otherwise).
 * @param gap             inactivity gap that ends a session (zero otherwise).
 * @param allowedLateness how long after its end a window still accepts records.
 * @param processingTime  whether windows follow the wall clock instead of event time.
 */
public record Windows(
    Kind kind, Duration size, Duration advance, Duration gap, Duration allowedLateness, boolean processingTime)
{
    /**
     * The kinds of window.
     */
    public enum Kind
    {
        TUMBLING, HOPPING, SLIDING, SESSION
    }

    public Windows
    {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(advance, "advance");
        Objects.requireNonNull(gap, "gap");
        Objects.requireNonNull(allowedLateness, "allowedLateness");
        if (allowedLateness.isNegative())
        {
            throw new IllegalArgumentException("allowedLateness must not be negative: " + allowedLateness);
        }
        switch (kind)
        {
            case TUMBLING, HOPPING ->
            {
                positive("size", size);
                positive("advance", advance);
                if (advance.compareTo(size) > 0)
                {
                    throw new IllegalArgumentException("advance " + advance + " must not exceed size " + size);
                }
            }
            case SLIDING -> positive("size", size);
            case SESSION -> positive("gap", gap);
            default -> throw new IllegalStateException();
        }
        if (processingTime && (kind == Kind.SLIDING || kind == Kind.SESSION))
        {
            throw new IllegalArgumentException("processing-time windows are tumbling or hopping, not " + kind);
        }
    }

    public static Windows tumbling(final Duration size)
    {
        return new Windows(Kind.TUMBLING, size, size, Duration.ZERO, Duration.ZERO, false);
    }

    public static Windows hopping(final Duration size, final Duration advance)
    {
        return new Windows(Kind.HOPPING, size, advance, Duration.ZERO, Duration.ZERO, false);
    }

    public static Windows sliding(final Duration size)
    {
        return new Windows(Kind.SLIDING, size, Duration.ZERO, Duration.ZERO, Duration.ZERO, false);
    }

    public static Windows session(final Duration gap)
    {
        return new Windows(Kind.SESSION, Duration.ZERO, Duration.ZERO, gap, Duration.ZERO, false);
    }

    /**
     * @return a copy whose windows accept records this long after their end.
     */
    public Windows allowedLateness(final Duration lateness)
    {
        return new Windows(kind, size, advance, gap, lateness, processingTime);
    }

    /**
     * @return a copy following the wall clock instead of event time.
     */
    public Windows onProcessingTime()
    {
        return new Windows(kind, size, advance, gap, allowedLateness, true);
    }

    private static void positive(final String what, final Duration d)
    {
        if (d.isZero() || d.isNegative())
        {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }

    public String toString()
    {
        final String time = processingTime ? " on processing time" : "";
        final String late = allowedLateness.isZero() ? "" : ", lateness " + allowedLateness;
        return switch (kind)
        {
            case TUMBLING -> "tumbling " + size + late + time;
            case HOPPING -> "hopping " + size + " every " + advance + late + time;
            case SLIDING -> "sliding " + size + late;
            case SESSION -> "session gap " + gap + late;
        };
    }
}
