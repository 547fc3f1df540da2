package io.tributary.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Turns a key or value into bytes. Null stays null (a null value is a tombstone).
 *
 * @param <T> the type serialized.
 */
@FunctionalInterface
public interface Serializer<T>
{
    byte[] serialize(T data);

    static Serializer<byte[]> bytes()
    {
        return data -> data;
    }

    static Serializer<String> string()
    {
        return data -> data == null ? null : data.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return 8 bytes, big-endian, as Kafka's LongSerializer.
     */
    static Serializer<Long> longs()
    {
        return data -> data == null ? null : ByteBuffer.allocate(Long.BYTES).putLong(data).array();
    }
}
