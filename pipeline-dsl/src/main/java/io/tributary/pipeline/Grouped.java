package io.tributary.pipeline;

import java.util.Objects;

/**
 * How {@link Stream#keyBy} re-keys a stream: the name of the repartition step and the serdes of the new key and the
 * value. Records go through an internal topic {@code <pipeline>-<name>-repartition} so that every record of a key
 * reaches the task that holds the key's state.
 *
 * @param name       stable name of the step; it names the internal topic, so keep it across redeploys.
 * @param keySerde   serde of the new key.
 * @param valueSerde serde of the value.
 * @param <K>        key type.
 * @param <V>        value type.
 */
public record Grouped<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde)
{
    public Grouped
    {
        Names.check(name);
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    public static <K, V> Grouped<K, V> as(final String name, final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        return new Grouped<>(name, keySerde, valueSerde);
    }
}
