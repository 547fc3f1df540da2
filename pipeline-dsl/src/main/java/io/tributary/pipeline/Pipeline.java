package io.tributary.pipeline;

import io.tributary.pipeline.internal.GraphBuilder;
import io.tributary.pipeline.internal.Node;
import io.tributary.pipeline.internal.SourceSpec;
import io.tributary.pipeline.internal.StreamImpl;
import io.tributary.pipeline.internal.TableImpl;

/**
 * Builds a pipeline: read topics as streams or tables, chain operators, write topics, then {@link #build()} an
 * immutable {@link Topology}. For example:
 * <pre>{@code
 * Pipeline p = Pipeline.create("sensor-averages");
 * p.stream("readings", Consumed.with(Serdes.string(), Serdes.json(Reading.class)))
 *     .keyBy((k, r) -> r.sensor(), Grouped.as("by-sensor", Serdes.string(), Serdes.json(Reading.class)))
 *     .window(Windows.tumbling(Duration.ofMinutes(1)))
 *     .count(Stateful.named("counts"))
 *     .to("counts", Produced.with(windowKeySerde, Serdes.longs()));
 * Topology topology = p.build();
 * }</pre>
 * The pipeline's name names its consumer group and its internal topics; parallel instances with the same name share
 * its input partitions.
 * <p>
 * Not thread-safe: build a pipeline on one thread.
 */
public final class Pipeline
{
    private final GraphBuilder builder;

    private Pipeline(final String name)
    {
        this.builder = new GraphBuilder(Names.check(name));
    }

    /**
     * @param name the pipeline's stable name, {@code [a-zA-Z0-9._-]{1,100}}.
     * @return an empty pipeline.
     */
    public static Pipeline create(final String name)
    {
        return new Pipeline(name);
    }

    /**
     * Read a topic as a stream. A topic is read once per pipeline: reuse the returned stream to fan out.
     */
    public <K, V> Stream<K, V> stream(final String topic, final Consumed<K, V> consumed)
    {
        final Node node = builder.source(topic, SourceSpec.Kind.STREAM, consumed, null);
        return new StreamImpl<>(builder, node);
    }

    /**
     * Read a topic as a table: the latest value per key, a null value deleting the key. The table's state is named by
     * {@code stateful} and backed by a changelog topic. Table updates do not advance the watermark.
     *
     * @param stateful the table's stable name; its serde is not used.
     */
    public <K, V> Table<K, V> table(final String topic, final Consumed<K, V> consumed, final Stateful<?> stateful)
    {
        builder.claimName(stateful.name());
        final Node node = builder.source(topic, SourceSpec.Kind.TABLE, consumed, stateful.name());
        builder.store(stateful.name(), null);
        return new TableImpl<>(builder, node, stateful.name(), consumed.keySerde(), consumed.valueSerde());
    }

    /**
     * @return the immutable topology; the pipeline cannot be changed afterwards.
     */
    public Topology build()
    {
        return builder.build();
    }
}
