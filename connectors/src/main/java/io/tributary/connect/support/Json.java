package io.tributary.connect.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.log.ConsumerRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The JSON the connectors read and write. Thread-safe: the mapper is shared, as Jackson allows once configured.
 */
public final class Json
{
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json()
    {
    }

    /**
     * @return the parsed value, or null when the bytes are not one JSON value.
     */
    public static JsonNode parseOrNull(final byte[] bytes)
    {
        if (bytes == null)
        {
            return null;
        }
        try
        {
            final JsonNode node = MAPPER.readTree(bytes);
            return node == null || node.isMissingNode() ? null : node;
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    public static JsonNode parse(final byte[] bytes) throws IOException
    {
        final JsonNode node = MAPPER.readTree(bytes);
        if (node == null || node.isMissingNode())
        {
            throw new JsonProcessingException("no JSON value")
            {
            };
        }
        return node;
    }

    public static byte[] bytes(final JsonNode node)
    {
        try
        {
            return MAPPER.writeValueAsBytes(node);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return whether the bytes are well-formed UTF-8 (null is: it has no text to lose).
     */
    public static boolean isUtf8(final byte[] bytes)
    {
        if (bytes == null)
        {
            return true;
        }
        try
        {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        }
        catch (final CharacterCodingException ex)
        {
            return false;
        }
    }

    /**
     * @param withKey whether the key is written too.
     * @return why the record's key or value cannot be written as text without loss, or null when both can.
     */
    public static String notText(final ConsumerRecord<byte[], byte[]> record, final boolean withKey)
    {
        if (withKey && !isUtf8(record.key()))
        {
            return "key is not UTF-8 text: it cannot be written as text without loss";
        }
        if (!isUtf8(record.value()))
        {
            return "value is not UTF-8 text: it cannot be written as text without loss";
        }
        return null;
    }

    public static String text(final byte[] bytes)
    {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * @return the record as one JSON object: topic, partition, offset, timestamp, key and value (the value as JSON
     *         when it parses, else as text; null for a tombstone).
     */
    public static ObjectNode envelope(final ConsumerRecord<byte[], byte[]> record)
    {
        final ObjectNode node = MAPPER.createObjectNode();
        node.put("topic", record.topic());
        node.put("partition", record.partition());
        node.put("offset", record.offset());
        node.put("timestamp", record.timestamp());
        node.put("key", text(record.key()));
        final JsonNode value = parseOrNull(record.value());
        if (value != null)
        {
            node.set("value", value);
        }
        else
        {
            node.put("value", text(record.value()));
        }
        return node;
    }
}
