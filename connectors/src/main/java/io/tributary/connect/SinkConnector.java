package io.tributary.connect;

import io.tributary.log.ConsumerRecord;

import java.util.List;

/**
 * Delivers records read from topics to somewhere outside. The runtime commits the group's offsets only after
 * {@link #deliver} returned; it retries failed batches with backoff and sends what keeps failing, or throws
 * {@link RecordConversionException}, to the dead-letter topic.
 * <p>
 * Threading: every method is called from one runner thread.
 */
public interface SinkConnector extends AutoCloseable
{
    /**
     * Connect.
     */
    void start(ConnectorContext context) throws Exception;

    /**
     * Deliver every record of the batch, or throw: a {@link RecordConversionException} names one record that can
     * never be delivered; a {@link DeliveryException} says whether a retry may succeed and when; any other
     * exception is retried.
     */
    void deliver(List<ConsumerRecord<byte[], byte[]>> records) throws Exception;

    /**
     * Release connections.
     */
    void close();
}
