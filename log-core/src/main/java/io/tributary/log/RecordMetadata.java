package io.tributary.log;

/**
 * Where an acknowledged record was written. Acknowledged means committed by a majority of the cluster.
 *
 * @param topic      the topic.
 * @param partition  the partition.
 * @param offset     the record's offset.
 * @param timestamp  the record's create time, epoch ms.
 * @param appendTime the cluster time at which it was appended, epoch ms.
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp, long appendTime)
{
}
