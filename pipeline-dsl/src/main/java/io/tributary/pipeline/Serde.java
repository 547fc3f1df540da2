package io.tributary.pipeline;

import io.tributary.log.Deserializer;
import io.tributary.log.Serializer;

/**
 * Turns a key or value into bytes and back. Null stays null in both directions (a null value is a tombstone).
 * <p>
 * Implementations must be thread-safe: one serde is shared by every task of a pipeline. Get the built-in ones from
 * {@link Serdes}.
 *
 * @param <T> the type serialized.
 */
public interface Serde<T>
{
    /**
     * @param data the object, may be null.
     * @return its bytes, or null for null.
     */
    byte[] serialize(T data);

    /**
     * @param bytes the bytes, may be null.
     * @return the object, or null for null.
     */
    T deserialize(byte[] bytes);

    /**
     * @return this serde as a log client {@link Serializer}.
     */
    default Serializer<T> serializer()
    {
        return this::serialize;
    }

    /**
     * @return this serde as a log client {@link Deserializer}.
     */
    default Deserializer<T> deserializer()
    {
        return this::deserialize;
    }
}
