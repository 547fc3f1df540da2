package io.tributary.pipeline;

/**
 * Gives a record its event time, e.g. from a field of the value. Must be thread-safe and deterministic: replay must
 * give the same time as the live run did.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
@FunctionalInterface
public interface TimestampExtractor<K, V>
{
    /**
     * @param key             the key.
     * @param value           the value.
     * @param recordTimestamp the timestamp stored with the record in the log (the producer's create time).
     * @return event time in epoch ms.
     */
    long extract(K key, V value, long recordTimestamp);
}
