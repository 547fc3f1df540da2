package io.tributary.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Turns bytes back into a key or value. Null stays null.
 *
 * @param <T> the type deserialized.
 */
@FunctionalInterface
public interface Deserializer<T>
{
    T deserialize(byte[] data);

    static Deserializer<byte[]> bytes()
    {
        return data -> data;
    }

    static Deserializer<String> string()
    {
        return data -> data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    /**
     * @return reads 8 bytes, big-endian, as Kafka's LongDeserializer.
     */
    static Deserializer<Long> longs()
    {
        return data -> data == null ? null : ByteBuffer.wrap(data).getLong();
    }
}
