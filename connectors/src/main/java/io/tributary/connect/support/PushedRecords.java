package io.tributary.connect.support;

import io.tributary.connect.SourceRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Records a source receives on threads of its own (a broker's callback, an HTTP server's handlers, an embedded
 * engine) waiting for the runner's next poll. Bounded: a full queue blocks {@link #put} or refuses {@link #offer},
 * which is the source's back-pressure.
 * <p>
 * Thread-safe: any number of threads put, one runner thread polls.
 */
public final class PushedRecords
{
    private final BlockingQueue<SourceRecord> queue;

    /**
     * @param capacity records held before producers wait or are refused.
     */
    public PushedRecords(final int capacity)
    {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /**
     * Wait for room, then add the record.
     */
    public void put(final SourceRecord record) throws InterruptedException
    {
        queue.put(record);
    }

    /**
     * @return false, adding nothing, when the queue is full.
     */
    public boolean offer(final SourceRecord record)
    {
        return queue.offer(record);
    }

    /**
     * Wait up to {@code timeout} for a first record, then take what else is there, up to {@code maxRecords}.
     *
     * @return the records, empty when none came in time.
     */
    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws InterruptedException
    {
        final List<SourceRecord> records = new ArrayList<>();
        final SourceRecord first = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (first != null)
        {
            records.add(first);
            queue.drainTo(records, maxRecords - 1);
        }
        return records;
    }

    /**
     * @return every record still waiting, removed from the queue.
     */
    public List<SourceRecord> drain()
    {
        final List<SourceRecord> left = new ArrayList<>();
        queue.drainTo(left);
        return left;
    }
}
