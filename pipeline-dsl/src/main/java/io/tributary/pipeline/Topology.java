package io.tributary.pipeline;

import java.util.Map;
import java.util.Set;

/**
 * A built pipeline: an immutable graph of operators that tasks execute, one task per input partition. Safe to share
 * between threads.
 */
public interface Topology
{
    /**
     * @return the pipeline's name; parallel instances with the same name share its input partitions.
     */
    String name();

    /**
     * @return topics the user reads (streams and tables).
     */
    Set<String> sourceTopics();

    /**
     * @return topics written with a fixed name (dynamic routes are not listed).
     */
    Set<String> sinkTopics();

    /**
     * @return internal repartition topics, read and written by the pipeline itself.
     */
    Set<String> repartitionTopics();

    /**
     * @return state store name to its compacted changelog topic.
     */
    Map<String, String> changelogTopics();

    /**
     * @return a human-readable description: sources, operators with their names, stores and sinks.
     */
    String describe();
}
