package io.tributary.pipeline;

import io.tributary.log.Deserializer;
import io.tributary.log.Serializer;
import io.tributary.pipeline.internal.JsonSerde;

/**
 * The built-in serdes: UTF-8 strings, raw bytes, 8-byte big-endian longs (as Kafka's), and JSON mapped to Java
 * records or classes with Jackson. All are thread-safe.
 */
public final class Serdes
{
    private Serdes()
    {
    }

    /**
     * @return UTF-8 strings.
     */
    public static Serde<String> string()
    {
        return of(Serializer.string(), Deserializer.string());
    }

    /**
     * @return bytes as they are, not copied.
     */
    public static Serde<byte[]> bytes()
    {
        return of(Serializer.bytes(), Deserializer.bytes());
    }

    /**
     * @return 8 bytes, big-endian, as Kafka's LongSerializer.
     */
    public static Serde<Long> longs()
    {
        return of(Serializer.longs(), Deserializer.longs());
    }

    /**
     * JSON to and from a Java record or bean with Jackson. Unknown JSON properties are an error on read, so a typo in
     * a producer's field name is not silently dropped.
     *
     * @param type the class to map to.
     * @param <T>  the type.
     * @return a serde writing compact UTF-8 JSON.
     */
    public static <T> Serde<T> json(final Class<T> type)
    {
        return new JsonSerde<>(type);
    }

    /**
     * @param serializer   how to write.
     * @param deserializer how to read.
     * @param <T>          the type.
     * @return a serde made of the two.
     */
    public static <T> Serde<T> of(final Serializer<T> serializer, final Deserializer<T> deserializer)
    {
        return new Serde<>()
        {
            public byte[] serialize(final T data)
            {
                return data == null ? null : serializer.serialize(data);
            }

            public T deserialize(final byte[] bytes)
            {
                return bytes == null ? null : deserializer.deserialize(bytes);
            }
        };
    }
}
