package io.tributary.pipeline;

/**
 * A key and a value, as {@link Stream#map} and {@link Stream#flatMap} return them.
 *
 * @param key   the key, may be null.
 * @param value the value, may be null.
 * @param <K>   key type.
 * @param <V>   value type.
 */
public record KeyValue<K, V>(K key, V value)
{
    public static <K, V> KeyValue<K, V> of(final K key, final V value)
    {
        return new KeyValue<>(key, value);
    }
}
