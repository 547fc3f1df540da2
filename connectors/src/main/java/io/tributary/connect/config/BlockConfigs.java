package io.tributary.connect.config;

import java.time.Duration;
import java.util.List;

/**
 * The shared blocks, bound: immutable records the runtime reads.
 */
public final class BlockConfigs
{
    private BlockConfigs()
    {
    }

    /**
     * @param topic      target topic; null for a source that names its own topics.
     * @param key        key template, or null to keep the source's key.
     * @param partitions partitions when the topic is created.
     */
    public record To(String topic, String key, int partitions)
    {
    }

    /**
     * @param topics   topics read.
     * @param group    consumer group.
     * @param earliest whether a new group starts at the earliest offset.
     */
    public record From(List<String> topics, String group, boolean earliest)
    {
    }

    /**
     * @param count  most records in a batch.
     * @param period longest wait for a batch to fill.
     */
    public record Batching(int count, Duration period)
    {
    }

    /**
     * @param maxAttempts attempts before giving up.
     * @param backoff     first wait.
     * @param maxBackoff  longest wait.
     */
    public record Retry(int maxAttempts, Duration backoff, Duration maxBackoff)
    {
        /**
         * @return the wait before attempt {@code attempt + 1}, doubling from {@code backoff} up to
         *         {@code maxBackoff}.
         */
        public Duration delay(final int attempt)
        {
            final long ms = backoff.toMillis() << Math.min(20, Math.max(0, attempt - 1));
            return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
        }
    }

    /**
     * @param topic the dead-letter topic.
     */
    public record DeadLetter(String topic)
    {
    }
}
