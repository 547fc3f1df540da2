package io.tributary.pipeline.internal;

import io.tributary.pipeline.Windows;

/**
 * Window arithmetic shared by the late-record gate and the window operators. A window with exclusive end {@code e}
 * closes when {@code e + allowedLateness <= watermark}; a record is late when every window it belongs to is closed.
 * <p>
 * Stateless and thread-safe.
 */
final class WindowMath
{
    private WindowMath()
    {
    }

    static boolean isLate(final Windows windows, final long timestamp, final long watermark)
    {
        if (windows.processingTime() || watermark == Long.MIN_VALUE)
        {
            return false;
        }
        final long lateness = windows.allowedLateness().toMillis();
        final long lastEnd = switch (windows.kind())
        {
            case TUMBLING, HOPPING -> lastStart(windows, timestamp) + windows.size().toMillis();
            case SLIDING -> timestamp + 1;
            case SESSION -> timestamp + windows.gap().toMillis();
        };
        return lastEnd + lateness <= watermark;
    }

    /**
     * @return the start of the latest tumbling or hopping window holding the time.
     */
    static long lastStart(final Windows windows, final long timestamp)
    {
        final long advance = windows.advance().toMillis();
        return Math.floorDiv(timestamp, advance) * advance;
    }
}
