package io.tributary.pipeline;

/**
 * Chooses the topic of each record for {@link Stream#to(TopicRouter, Produced)}. Must be deterministic and
 * thread-safe.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
@FunctionalInterface
public interface TopicRouter<K, V>
{
    /**
     * @return the topic to write the record to.
     */
    String topic(Record<K, V> record);
}
