package io.tributary.jobs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON of the job topics' values. Unknown fields are ignored so that a newer writer does not break an older reader.
 * Thread-safe.
 */
final class Json
{
    private static final ObjectMapper MAPPER = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json()
    {
    }

    static byte[] write(final Object value)
    {
        try
        {
            return MAPPER.writeValueAsBytes(value);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static <T> T read(final byte[] bytes, final Class<T> type)
    {
        try
        {
            return MAPPER.readValue(bytes, type);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
