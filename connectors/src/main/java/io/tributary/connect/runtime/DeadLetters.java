package io.tributary.connect.runtime;

import io.tributary.connect.spec.Secrets;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Header;
import io.tributary.log.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds dead-letter records: the original key, value and headers, plus headers saying why
 * ({@value #ERROR_CLASS}, {@value #ERROR_MESSAGE}) and, for a sink, where the record came from
 * ({@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}). Stateless and thread-safe.
 */
public final class DeadLetters
{
    public static final String ERROR_CLASS = "dlq.error.class";
    public static final String ERROR_MESSAGE = "dlq.error.message";
    public static final String TOPIC = "dlq.original.topic";
    public static final String PARTITION = "dlq.original.partition";
    public static final String OFFSET = "dlq.original.offset";
    public static final String CONNECTOR = "dlq.connector";
    public static final String ATTEMPTS = "dlq.attempts";

    private DeadLetters()
    {
    }

    public static ProducerRecord<byte[], byte[]> forSink(final String dlqTopic, final String connector,
        final ConsumerRecord<byte[], byte[]> record, final Throwable error, final int attempts)
    {
        return forSink(dlqTopic, connector, record, error, attempts, Secrets.none());
    }

    /**
     * @param secrets what the error message header must not show.
     */
    public static ProducerRecord<byte[], byte[]> forSink(final String dlqTopic, final String connector,
        final ConsumerRecord<byte[], byte[]> record, final Throwable error, final int attempts, final Secrets secrets)
    {
        final List<Header> headers = new ArrayList<>(record.headers());
        headers.add(header(ERROR_CLASS, error.getClass().getName()));
        headers.add(header(ERROR_MESSAGE, String.valueOf(secrets.redact(error.getMessage()))));
        headers.add(header(TOPIC, record.topic()));
        headers.add(header(PARTITION, Integer.toString(record.partition())));
        headers.add(header(OFFSET, Long.toString(record.offset())));
        headers.add(header(CONNECTOR, connector));
        headers.add(header(ATTEMPTS, Integer.toString(attempts)));
        return new ProducerRecord<>(dlqTopic, null, record.key(), record.value(), record.timestamp(), headers);
    }

    public static ProducerRecord<byte[], byte[]> forSource(final String dlqTopic, final String connector,
        final byte[] raw, final String failure)
    {
        final List<Header> headers = List.of(
            header(ERROR_CLASS, "io.tributary.connect.RecordConversionException"),
            header(ERROR_MESSAGE, failure),
            header(CONNECTOR, connector));
        return new ProducerRecord<>(dlqTopic, null, null, raw, null, headers);
    }

    public static Header header(final String key, final String value)
    {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the header's value as text, or null when the record has none.
     */
    public static String headerText(final List<Header> headers, final String key)
    {
        for (final Header h : headers)
        {
            if (h.key().equals(key))
            {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
