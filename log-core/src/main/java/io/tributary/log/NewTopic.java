package io.tributary.log;

import java.util.Map;
import java.util.Objects;

/**
 * A topic to create.
 *
 * @param name       1 to 249 of {@code a-z A-Z 0-9 . _ -}.
 * @param partitions the partition count.
 * @param configs    topic configs by Kafka's names ({@code retention.ms}, {@code cleanup.policy},
 *                   {@code segment.bytes}, {@code max.message.bytes}, ...); unknown names are refused.
 */
public record NewTopic(String name, int partitions, Map<String, String> configs)
{
    public NewTopic
    {
        Objects.requireNonNull(name, "name");
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public NewTopic(final String name, final int partitions)
    {
        this(name, partitions, Map.of());
    }
}
