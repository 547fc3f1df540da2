package io.tributary.pipeline.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tributary.pipeline.Serde;

import java.io.IOException;

/**
 * JSON with Jackson. Thread-safe: Jackson's mapper is, once configured.
 *
 * @param <T> the mapped type.
 */
public final class JsonSerde<T> implements Serde<T>
{
    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private final Class<T> type;

    public JsonSerde(final Class<T> type)
    {
        this.type = type;
    }

    public byte[] serialize(final T data)
    {
        if (data == null)
        {
            return null;
        }
        try
        {
            return MAPPER.writeValueAsBytes(data);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalArgumentException("cannot write " + type.getName() + " as JSON: " + ex.getMessage(), ex);
        }
    }

    public T deserialize(final byte[] bytes)
    {
        if (bytes == null)
        {
            return null;
        }
        try
        {
            return MAPPER.readValue(bytes, type);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read JSON as " + type.getName() + ": " + ex.getMessage(), ex);
        }
    }

    public String toString()
    {
        return "json(" + type.getSimpleName() + ")";
    }
}
