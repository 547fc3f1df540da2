package io.tributary.connect.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.connect.support.Json;

import java.nio.charset.StandardCharsets;

/**
 * The records the suite moves: {@code {"id":N}}.
 */
final class Ids
{
    private Ids()
    {
    }

    static byte[] value(final int id)
    {
        return ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
    }

    static String text(final int id)
    {
        return "{\"id\":" + id + "}";
    }

    /**
     * @return the id of a value, or -1 when it has none.
     */
    static int of(final byte[] value)
    {
        final JsonNode node = Json.parseOrNull(value);
        if (node == null)
        {
            return -1;
        }
        if (node.has("id"))
        {
            return node.get("id").asInt();
        }
        return node.has("seq") ? node.get("seq").asInt() : -1;
    }
}
