package io.tributary.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How close in event time two records of a windowed stream–stream join must be: a left record at {@code t} joins
 * right records of the same key in {@code [t - before, t + after]}. Each side is buffered until the watermark passes
 * it by the window plus {@code grace}; records older than that are late and do not join.
 *
 * @param before how far a right record may precede the left one.
 * @param after  how far a right record may follow the left one.
 * @param grace  how long records are kept past the window for late partners.
 */
public record JoinWindows(Duration before, Duration after, Duration grace)
{
    public JoinWindows
    {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(grace, "grace");
        if (before.isNegative() || after.isNegative() || grace.isNegative())
        {
            throw new IllegalArgumentException("join windows must not be negative");
        }
    }

    /**
     * @return records within {@code difference} of each other, either way, join.
     */
    public static JoinWindows within(final Duration difference)
    {
        return new JoinWindows(difference, difference, Duration.ZERO);
    }

    public JoinWindows withGrace(final Duration grace)
    {
        return new JoinWindows(before, after, grace);
    }
}
