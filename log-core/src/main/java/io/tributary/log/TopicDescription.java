package io.tributary.log;

import java.util.List;
import java.util.Map;

/**
 * A topic as the cluster holds it.
 *
 * @param name       the name.
 * @param topicId    the id the cluster gave it; a topic deleted and created again gets a new one.
 * @param partitions every partition, in order.
 * @param configs    every config with its value, defaults included.
 */
public record TopicDescription(String name, long topicId, List<PartitionInfo> partitions, Map<String, String> configs)
{
}
