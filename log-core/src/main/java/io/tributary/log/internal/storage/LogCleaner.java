package io.tributary.log.internal.storage;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The node's cleaner: one low-priority thread that runs compactions ({@link PartitionLog#startCompaction}) one at a
 * time, off the service thread, so appends and reads go on while a partition is rewritten. It decides nothing: what a
 * compaction does was frozen when it was started, and its output is swapped in by the log's writer.
 * <p>
 * Threading: {@link #execute} from any thread; {@link #close} once, after every log using it is closed.
 */
public final class LogCleaner implements Executor, AutoCloseable
{
    private final ExecutorService executor;

    /**
     * @param name of the thread, e.g. {@code tributary-cleaner-0}.
     */
    public LogCleaner(final String name)
    {
        executor = Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            thread.setPriority(Thread.MIN_PRIORITY);
            return thread;
        });
    }

    public void execute(final Runnable command)
    {
        executor.execute(command);
    }

    /**
     * Stop the thread, waiting briefly for a compaction in progress (logs cancel theirs when closed).
     */
    public void close()
    {
        executor.shutdownNow();
        try
        {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
