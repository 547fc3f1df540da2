package io.tributary.log;

/**
 * A partition of a topic.
 *
 * @param topic     the topic name.
 * @param partition the partition number, from 0.
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition>
{
    public int compareTo(final TopicPartition other)
    {
        final int byTopic = topic.compareTo(other.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    public String toString()
    {
        return topic + "-" + partition;
    }
}
