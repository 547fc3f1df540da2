package io.tributary.log;

import java.util.List;

/**
 * A consumer group as the cluster sees it at one point of its log: its live members, and every partition of the
 * topics its members subscribe to or it has committed offsets for.
 *
 * @param groupId    the group's id.
 * @param members    ids of its live members, sorted; empty when none is live.
 * @param partitions per partition, by topic then partition.
 */
public record GroupDescription(String groupId, List<String> members, List<PartitionLag> partitions)
{
    /**
     * @param topic       the topic.
     * @param partition   the partition.
     * @param committed   the group's committed offset (the next record it will read), -1 when it has none.
     * @param endOffset   the offset the partition's next record will get.
     * @param lag         records between the committed offset and the end, -1 without a committed offset.
     * @param member      the member holding the partition, or null when no member does.
     */
    public record PartitionLag(String topic, int partition, long committed, long endOffset, long lag, String member)
    {
        public TopicPartition topicPartition()
        {
            return new TopicPartition(topic, partition);
        }
    }
}
