package io.tributary.log;

import java.util.List;
import java.util.Objects;

/**
 * A record to send.
 *
 * @param topic     the topic.
 * @param partition the partition, or null to choose by key (murmur2, as Kafka's default partitioner) or, without a
 *                  key, stick to one partition per batch.
 * @param key       the key, may be null.
 * @param value     the value; null is a tombstone.
 * @param timestamp create time in epoch ms, or null for now.
 * @param headers   headers, in order; never null.
 * @param <K>       key type.
 * @param <V>       value type.
 */
public record ProducerRecord<K, V>(
    String topic, Integer partition, K key, V value, Long timestamp, List<Header> headers)
{
    public ProducerRecord
    {
        Objects.requireNonNull(topic, "topic");
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public static <K, V> ProducerRecord<K, V> of(final String topic, final K key, final V value)
    {
        return new ProducerRecord<>(topic, null, key, value, null, List.of());
    }

    public static <K, V> ProducerRecord<K, V> of(final String topic, final int partition, final K key, final V value)
    {
        return new ProducerRecord<>(topic, partition, key, value, null, List.of());
    }

    public ProducerRecord<K, V> withHeaders(final List<Header> headers)
    {
        return new ProducerRecord<>(topic, partition, key, value, timestamp, headers);
    }

    public ProducerRecord<K, V> withTimestamp(final long timestamp)
    {
        return new ProducerRecord<>(topic, partition, key, value, timestamp, headers);
    }
}
