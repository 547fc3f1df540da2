package io.tributary.pipeline.internal;

import io.tributary.pipeline.Serde;
import io.tributary.pipeline.TimestampExtractor;

/**
 * A topic a pipeline reads, and how: its serdes, event time and watermark allowance.
 *
 * @param topic          the topic.
 * @param kind           a user stream, a table, or an internal repartition topic.
 * @param node           the node records enter the graph at.
 * @param keySerde       key serde.
 * @param valueSerde     value serde.
 * @param timestamps     event time extractor.
 * @param outOfOrderness allowance in ms.
 */
public record SourceSpec(
    String topic,
    Kind kind,
    Node node,
    Serde<Object> keySerde,
    Serde<Object> valueSerde,
    TimestampExtractor<Object, Object> timestamps,
    long outOfOrderness)
{
    /**
     * Kinds of source.
     */
    public enum Kind
    {
        STREAM, TABLE, REPARTITION
    }
}
