package io.tributary.pipeline;

import io.tributary.log.Deserializer;
import io.tributary.log.Serializer;
import io.tributary.pipeline.internal.JsonSerde;
import io.tributary.pipeline.internal.SbeSerde;
import org.agrona.sbe.MessageDecoderFlyweight;

import java.util.function.Supplier;

/**
 * The built-in serdes: UTF-8 strings, raw bytes, 8-byte big-endian longs (as Kafka's), JSON mapped to Java
 * records or classes with Jackson, and SBE messages read in place through their generated decoders. All are
 * thread-safe.
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
     * SBE messages read through their generated decoder, without copying or mapping to objects: each record is a
     * fresh flyweight wrapped over the record's bytes (a standard 8-byte message header, then the message). Reading
     * a message of another schema or template is an error naming both.
     * <p>
     * Writing takes a flyweight this serde read (its bytes go out unchanged, not copied) or one wrapped over a buffer
     * holding exactly one message with its header; build new messages with the generated encoder and
     * {@link #bytes()}.
     *
     * Decoders implement Agrona's {@code MessageDecoderFlyweight} when SBE generates them with
     * {@code sbe.java.generate.interfaces=true}.
     *
     * @param decoders makes a decoder, e.g. {@code ReadingDecoder::new}.
     * @param <D>      the decoder type.
     * @return a serde of decoder flyweights.
     */
    public static <D extends MessageDecoderFlyweight> Serde<D> sbe(final Supplier<D> decoders)
    {
        return new SbeSerde<>(decoders);
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
