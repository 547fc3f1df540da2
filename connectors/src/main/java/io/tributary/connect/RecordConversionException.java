package io.tributary.connect;

import io.tributary.log.ConsumerRecord;

/**
 * A record that a sink can never deliver as it is (not JSON, a column that does not exist, ...): it goes to the
 * dead-letter topic without retries.
 */
public final class RecordConversionException extends Exception
{
    private final transient ConsumerRecord<byte[], byte[]> record;

    public RecordConversionException(final ConsumerRecord<byte[], byte[]> record, final String message,
        final Throwable cause)
    {
        super(message, cause);
        this.record = record;
    }

    public RecordConversionException(final ConsumerRecord<byte[], byte[]> record, final String message)
    {
        this(record, message, null);
    }

    public ConsumerRecord<byte[], byte[]> record()
    {
        return record;
    }
}
