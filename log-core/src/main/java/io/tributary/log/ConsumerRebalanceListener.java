package io.tributary.log;

import java.util.Collection;

/**
 * Told when the group gives this consumer partitions or takes them away. Called on the thread that calls
 * {@link Consumer#poll}, inside {@code poll} (and inside {@code unsubscribe} and {@code close}), so it may use the
 * consumer: commit, seek, read committed offsets.
 * <p>
 * Only the partitions that move are named: a rebalance never stops the partitions a consumer keeps.
 */
public interface ConsumerRebalanceListener
{
    /**
     * The consumer gives these partitions up. With auto-commit on, their positions were committed just before; a
     * consumer that commits by hand should commit them here. They go to their new owner only after this returns.
     */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /**
     * The consumer now reads these partitions, from the group's committed offsets (else as
     * {@code autoOffsetReset} says) unless this method seeks.
     */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * The consumer lost these partitions without giving them up: its session expired (it did not heartbeat in its
     * session timeout), and they may already belong to another member. Nothing can be committed for them any
     * more. By default, the same as {@link #onPartitionsRevoked}.
     */
    default void onPartitionsLost(final Collection<TopicPartition> partitions)
    {
        onPartitionsRevoked(partitions);
    }

    /**
     * @return a listener that does nothing.
     */
    static ConsumerRebalanceListener none()
    {
        return new ConsumerRebalanceListener()
        {
            public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
            {
            }

            public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
            {
            }
        };
    }
}
