package io.tributary.pipeline.internal;

import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Stream;
import io.tributary.pipeline.Table;

/**
 * The {@link Table} stage: a node that keeps the latest value per key in a store and forwards each update.
 * <p>
 * Not thread-safe: one thread builds a pipeline.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class TableImpl<K, V> implements Table<K, V>
{
    private final GraphBuilder builder;
    private final Node node;
    private final String storeName;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    public TableImpl(final GraphBuilder builder, final Node node, final String storeName, final Serde<K> keySerde,
        final Serde<V> valueSerde)
    {
        this.builder = builder;
        this.node = node;
        this.storeName = storeName;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public Stream<K, V> toStream()
    {
        return new StreamImpl<>(builder, builder.add("toStream", ctx -> ctx::forward, node));
    }

    public String name()
    {
        return storeName;
    }

    Serde<K> keySerde()
    {
        return keySerde;
    }

    Serde<V> valueSerde()
    {
        return valueSerde;
    }
}
