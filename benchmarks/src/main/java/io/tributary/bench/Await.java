package io.tributary.bench;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Retries a condition until it holds or a deadline passes: for systems that are still starting. */
final class Await
{
    private Await()
    {
    }

    /**
     * @param what      says what is awaited, for the failure message.
     * @param timeout   how long to keep trying.
     * @param condition true when done; an exception counts as not yet.
     * @throws IllegalStateException once the timeout has passed, with the last exception as its cause.
     */
    static void until(final String what, final Duration timeout, final Callable<Boolean> condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true)
        {
            try
            {
                if (condition.call())
                {
                    return;
                }
            }
            catch (final Exception ex)
            {
                last = ex;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("timed out after " + timeout + " waiting until " + what, last);
            }
            try
            {
                Thread.sleep(100);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting until " + what, ex);
            }
        }
    }
}
