package io.tributary.ops;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIGTERM and SIGINT handled before the JVM starts shutting down. A shutdown hook would be too late for commands that
 * must still talk to the cluster while they stop (a job worker's tasks checkpoint and leave their groups): the client
 * library's own hook closes every cluster client when shutdown starts. The first signal runs the action; a second
 * exits at once.
 */
final class TerminationSignals
{
    private TerminationSignals()
    {
    }

    @SuppressWarnings("restriction")
    static void handle(final Runnable action)
    {
        final AtomicInteger signals = new AtomicInteger();
        final sun.misc.SignalHandler handler = signal ->
        {
            if (signals.incrementAndGet() == 1)
            {
                action.run();
            }
            else
            {
                System.exit(128 + signal.getNumber());
            }
        };
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
    }
}
