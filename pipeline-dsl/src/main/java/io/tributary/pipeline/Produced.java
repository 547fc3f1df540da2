package io.tributary.pipeline;

import java.util.Objects;

/**
 * How a pipeline writes a topic: its serdes. The partition is chosen from the serialized key, as the producer does.
 *
 * @param keySerde   key serde.
 * @param valueSerde value serde.
 * @param <K>        key type.
 * @param <V>        value type.
 */
public record Produced<K, V>(Serde<K> keySerde, Serde<V> valueSerde)
{
    public Produced
    {
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    public static <K, V> Produced<K, V> with(final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        return new Produced<>(keySerde, valueSerde);
    }
}
