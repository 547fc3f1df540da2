package io.tributary.log;

import java.util.List;

/**
 * A record read from a partition.
 *
 * @param topic      the topic.
 * @param partition  the partition.
 * @param offset     its offset.
 * @param timestamp  the producer's create time, epoch ms.
 * @param appendTime the cluster's append time, epoch ms.
 * @param key        the key, or null.
 * @param value      the value, or null for a tombstone.
 * @param headers    headers, in order.
 * @param <K>        key type.
 * @param <V>        value type.
 */
public record ConsumerRecord<K, V>(
    String topic, int partition, long offset, long timestamp, long appendTime, K key, V value, List<Header> headers)
{
    public TopicPartition topicPartition()
    {
        return new TopicPartition(topic, partition);
    }
}
