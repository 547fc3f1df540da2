package io.tributary.bench;

import java.time.Duration;

/** Counts sends and their completions: incremented by the sending thread, completed on the client's I/O thread. */
final class Acks implements Target.Completion
{
    private long sent;
    private long completed;
    private long failures;
    private Exception firstFailure;

    synchronized void sent()
    {
        sent++;
    }

    public synchronized void completed(final Exception failure)
    {
        completed++;
        if (failure != null && failures++ == 0)
        {
            firstFailure = failure;
        }
        notifyAll();
    }

    synchronized boolean failed()
    {
        return failures > 0;
    }

    /**
     * Waits until every send has completed; fails if one did not succeed.
     *
     * @return how many were sent.
     */
    synchronized long awaitAll(final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (completed < sent)
        {
            final long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0)
            {
                throw new IllegalStateException((sent - completed) + " of " + sent + " sends not acknowledged after " +
                    timeout);
            }
            wait(leftMs);
        }
        if (failures > 0)
        {
            throw new IllegalStateException(failures + " of " + sent + " sends failed; the first: " + firstFailure,
                firstFailure);
        }
        return sent;
    }
}
