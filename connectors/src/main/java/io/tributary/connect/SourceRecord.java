package io.tributary.connect;

import io.tributary.log.Header;

import java.util.List;
import java.util.Map;

/**
 * One record a source read, before it is written to its topic.
 *
 * @param key        key bytes, or null (the {@code to.key} template may set one).
 * @param value      value bytes.
 * @param headers    headers to write.
 * @param timestamp  create time in epoch ms, or null for now.
 * @param attributes values the {@code to.key} template can use, e.g. {@code mqtt.topic}.
 * @param position   the source's position after this record, or null when the source has none (its upstream
 *                   keeps it, as an MQTT broker does until the message is acknowledged).
 * @param failure    null for a good record; else why the input could not be converted, and the record goes to the
 *                   dead-letter topic instead, with the raw input as its value.
 * @param handle     the source's own token for acknowledging upstream, or null.
 * @param topic      the topic to write to, or null for the connector's {@code to.topic}: set by sources that name
 *                   their own topics (see {@link SourceConnectorType#namesTopics()}).
 */
public record SourceRecord(
    byte[] key,
    byte[] value,
    List<Header> headers,
    Long timestamp,
    Map<String, String> attributes,
    String position,
    String failure,
    Object handle,
    String topic)
{
    private static final Object POSITION_ONLY = new Object();

    public SourceRecord
    {
        headers = headers == null ? List.of() : List.copyOf(headers);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public static SourceRecord of(final byte[] key, final byte[] value, final Map<String, String> attributes,
        final String position, final Object handle)
    {
        return new SourceRecord(key, value, List.of(), null, attributes, position, null, handle, null);
    }

    /**
     * @return no record, only a new position to store (a poll that moved a cursor past an empty page).
     */
    public static SourceRecord positionOnly(final String position)
    {
        return new SourceRecord(null, null, List.of(), null, Map.of(), position, null, POSITION_ONLY, null);
    }

    /**
     * @return a record for a topic the source names itself; a null value is a tombstone.
     */
    public static SourceRecord toTopic(final String topic, final byte[] key, final byte[] value,
        final List<Header> headers, final Long timestamp, final String position)
    {
        return new SourceRecord(key, value, headers, timestamp, Map.of(), position, null, null, topic);
    }

    public boolean isPositionOnly()
    {
        return handle == POSITION_ONLY;
    }

    /**
     * @return a record of input that could not be converted: it goes to the dead-letter topic.
     */
    public static SourceRecord invalid(final byte[] raw, final String failure, final Map<String, String> attributes,
        final String position, final Object handle)
    {
        return new SourceRecord(null, raw, List.of(), null, attributes, position, failure, handle, null);
    }
}
