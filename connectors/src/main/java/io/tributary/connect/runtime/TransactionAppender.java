package io.tributary.connect.runtime;

import io.tributary.log.Producer;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Transaction;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link AtomicAppender} over a producer's {@link Transaction}: the records of one call are one cluster log entry.
 * With a {@link SourceLease}, each append also carries the lease's fenced commit, so it is written only while this
 * runner holds the lease; a refused append throws the cluster's {@code FENCED_MEMBER} or {@code UNKNOWN_MEMBER}
 * {@link io.tributary.log.TributaryException}.
 * Thread-safe as the producer is, one transaction per call; with a lease, used from the lease's thread only.
 */
public final class TransactionAppender implements AtomicAppender
{
    private final Producer<byte[], byte[]> producer;
    private final Duration timeout;
    private final SourceLease lease;

    public TransactionAppender(final Producer<byte[], byte[]> producer, final Duration timeout)
    {
        this(producer, timeout, null);
    }

    /**
     * @param lease the lease every append is fenced by, or null for none.
     */
    public TransactionAppender(final Producer<byte[], byte[]> producer, final Duration timeout,
        final SourceLease lease)
    {
        this.producer = producer;
        this.timeout = timeout;
        this.lease = lease;
    }

    public void append(final List<ProducerRecord<byte[], byte[]>> records) throws Exception
    {
        final Transaction<byte[], byte[]> tx = producer.beginTransaction();
        for (final ProducerRecord<byte[], byte[]> record : records)
        {
            tx.send(record);
        }
        if (lease != null)
        {
            lease.fence(tx);
        }
        try
        {
            tx.commit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (SourceLease.isFenced(ex.getCause()))
            {
                throw (Exception)ex.getCause();
            }
            throw ex;
        }
    }
}
