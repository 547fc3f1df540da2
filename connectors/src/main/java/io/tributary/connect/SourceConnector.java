package io.tributary.connect;

import java.time.Duration;
import java.util.List;

/**
 * Reads events from outside and hands them over as {@link SourceRecord}s. The runtime appends a batch of records
 * and the position of its last record in one atomic cluster append, then calls {@link #acknowledge}, so a source
 * acknowledges upstream only what the cluster holds, and on restart resumes from the position stored with it.
 * <p>
 * Threading: {@link #start}, {@link #poll}, {@link #acknowledge}, {@link #reject} and {@link #close} are called
 * from one runner thread; a source may use its own threads inside (an MQTT client, an HTTP server) and hand their
 * events to {@code poll} through a queue.
 */
public interface SourceConnector extends AutoCloseable
{
    /**
     * Connect and begin reading.
     *
     * @param position the position stored with the last records this connector appended, or null on its first
     *                 run.
     */
    void start(ConnectorContext context, String position) throws Exception;

    /**
     * @return up to {@code maxRecords} records, waiting up to {@code timeout} for the first; empty when none came.
     */
    List<SourceRecord> poll(int maxRecords, Duration timeout) throws Exception;

    /**
     * The records are in the cluster: acknowledge them upstream.
     */
    default void acknowledge(final List<SourceRecord> records) throws Exception
    {
    }

    /**
     * The records could not be appended and will not be retried: tell upstream (a webhook caller gets a 503).
     */
    default void reject(final List<SourceRecord> records, final Exception cause)
    {
    }

    /**
     * Stop reading and release connections; unacknowledged input stays upstream.
     */
    void close();
}
