package io.tributary.log.internal.client;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses a partition for records without a key: every such record for a topic goes to the same partition until
 * the batch for it is closed, and then the topic moves to another partition. This fills batches faster than
 * spreading single records round-robin, and over many batches still spreads the load evenly.
 * <p>
 * The first partition for a topic and each move are drawn with {@link ThreadLocalRandom}; a move picks uniformly
 * among the partitions other than the one just used, when there is more than one partition.
 * <p>
 * Threading: thread-safe. The sticky partition of each topic is held in a {@link ConcurrentHashMap}; the common
 * call, {@link #partition(String, int)}, is a single map read once a topic has a partition.
 */
public final class StickyPartitionSelector
{
    private final ConcurrentHashMap<String, Integer> stickyPartitionByTopic = new ConcurrentHashMap<>();

    /**
     * The partition that the next record without a key for {@code topic} should go to.
     *
     * @param topic         the topic name.
     * @param numPartitions the number of partitions of the topic, at least 1.
     * @return the topic's sticky partition, in {@code [0, numPartitions)}.
     * @throws IllegalArgumentException if {@code numPartitions} is less than 1.
     */
    public int partition(final String topic, final int numPartitions)
    {
        checkPartitionCount(numPartitions);
        final Integer sticky = stickyPartitionByTopic.get(topic);
        if (null != sticky && sticky < numPartitions)
        {
            return sticky;
        }

        // First use of the topic, or the topic now has fewer partitions than the one we stuck to.
        return stickyPartitionByTopic.compute(
            topic,
            (t, current) -> null != current && current < numPartitions ?
                current : ThreadLocalRandom.current().nextInt(numPartitions));
    }

    /**
     * Tells the selector that the batch for {@code previousPartition} of {@code topic} is closed, so that the next
     * records go elsewhere.
     * <p>
     * The topic moves only if its sticky partition is still {@code previousPartition}: when several threads close
     * the same batch, the topic moves once, not once per thread.
     *
     * @param topic             the topic name.
     * @param numPartitions     the number of partitions of the topic, at least 1.
     * @param previousPartition the partition whose batch was closed.
     * @return the topic's sticky partition after the call, in {@code [0, numPartitions)}.
     * @throws IllegalArgumentException if {@code numPartitions} is less than 1.
     */
    public int onNewBatch(final String topic, final int numPartitions, final int previousPartition)
    {
        checkPartitionCount(numPartitions);
        return stickyPartitionByTopic.compute(
            topic,
            (t, current) ->
            {
                if (null != current && current != previousPartition && current < numPartitions)
                {
                    return current;
                }
                return nextPartition(numPartitions, previousPartition);
            });
    }

    private static int nextPartition(final int numPartitions, final int previousPartition)
    {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        if (previousPartition < 0 || previousPartition >= numPartitions)
        {
            return random.nextInt(numPartitions);
        }
        if (1 == numPartitions)
        {
            return 0;
        }

        // Draw from the other numPartitions - 1 partitions and skip over the previous one.
        final int candidate = random.nextInt(numPartitions - 1);
        return candidate >= previousPartition ? candidate + 1 : candidate;
    }

    private static void checkPartitionCount(final int numPartitions)
    {
        if (numPartitions < 1)
        {
            throw new IllegalArgumentException("numPartitions must be at least 1: " + numPartitions);
        }
    }
}
