package io.tributary.connect.runtime;

import io.tributary.log.Producer;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Transaction;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link AtomicAppender} over a producer's {@link Transaction}: the records of one call are one cluster log entry.
 * Thread-safe as the producer is; one transaction per call.
 */
public final class TransactionAppender implements AtomicAppender
{
    private final Producer<byte[], byte[]> producer;
    private final Duration timeout;

    public TransactionAppender(final Producer<byte[], byte[]> producer, final Duration timeout)
    {
        this.producer = producer;
        this.timeout = timeout;
    }

    public void append(final List<ProducerRecord<byte[], byte[]>> records) throws Exception
    {
        final Transaction<byte[], byte[]> tx = producer.beginTransaction();
        for (final ProducerRecord<byte[], byte[]> record : records)
        {
            tx.send(record);
        }
        tx.commit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
