package io.tributary.pipeline;

/**
 * A record as a pipeline sees it: key, value and event time.
 *
 * @param key       the key, may be null.
 * @param value     the value, may be null (a tombstone for a table).
 * @param timestamp event time in epoch ms.
 * @param <K>       key type.
 * @param <V>       value type.
 */
public record Record<K, V>(K key, V value, long timestamp)
{
}
