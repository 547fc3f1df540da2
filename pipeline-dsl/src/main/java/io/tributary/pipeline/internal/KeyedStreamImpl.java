package io.tributary.pipeline.internal;

import io.tributary.pipeline.Aggregator;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.JoinWindows;
import io.tributary.pipeline.KeyedStream;
import io.tributary.pipeline.Record;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Stream;
import io.tributary.pipeline.Table;
import io.tributary.pipeline.WindowedStream;
import io.tributary.pipeline.Windows;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * The {@link KeyedStream} stage: a repartitioned stream and its key and value serdes, which state uses.
 * <p>
 * Not thread-safe: one thread builds a pipeline.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
@SuppressWarnings("unchecked")
public final class KeyedStreamImpl<K, V> implements KeyedStream<K, V>
{
    private final GraphBuilder builder;
    private final Node node;
    private final Grouped<K, V> grouped;

    KeyedStreamImpl(final GraphBuilder builder, final Node node, final Grouped<K, V> grouped)
    {
        this.builder = builder;
        this.node = node;
        this.grouped = grouped;
    }

    Node node()
    {
        return node;
    }

    Grouped<K, V> grouped()
    {
        return grouped;
    }

    public Stream<K, V> stream()
    {
        return new StreamImpl<>(builder, node);
    }

    public Table<K, V> reduce(final BinaryOperator<V> reducer, final Stateful<V> stateful)
    {
        Objects.requireNonNull(reducer, "reducer");
        final Serde<V> serde = stateful.serde() != null ? stateful.serde() : grouped.valueSerde();
        return table("reduce", Fold.reduce(reducer, serde), stateful, serde);
    }

    public <A> Table<K, A> aggregate(final Supplier<A> initializer,
        final Aggregator<? super K, ? super V, A> aggregator, final Stateful<A> stateful)
    {
        Objects.requireNonNull(initializer, "initializer");
        Objects.requireNonNull(aggregator, "aggregator");
        Objects.requireNonNull(stateful.serde(), "aggregate needs the serde of its state: Stateful.withSerde");
        return table("aggregate", Fold.aggregate(initializer, aggregator, stateful.serde()), stateful,
            stateful.serde());
    }

    public Table<K, Long> count(final Stateful<Long> stateful)
    {
        return table("count", Fold.count(), stateful, Serdes.longs());
    }

    public WindowedStream<K, V> window(final Windows windows)
    {
        Objects.requireNonNull(windows, "windows");
        final Node gate = builder.add("window " + windows, ctx -> r ->
        {
            if (WindowMath.isLate(windows, r.timestamp(), ctx.watermark()))
            {
                ctx.forwardLate(r);
            }
            else
            {
                ctx.forward(r);
            }
        }, node);
        return new WindowedStreamImpl<>(builder, gate, grouped, windows);
    }

    public <VT, R> Stream<K, R> join(final Table<K, VT> table,
        final BiFunction<? super V, ? super VT, ? extends R> joiner)
    {
        return stream().join(table, joiner);
    }

    public <VO, R> Stream<K, R> join(final KeyedStream<K, VO> other,
        final BiFunction<? super V, ? super VO, ? extends R> joiner, final JoinWindows windows,
        final Stateful<?> stateful)
    {
        Objects.requireNonNull(joiner, "joiner");
        Objects.requireNonNull(windows, "windows");
        final KeyedStreamImpl<K, VO> right = (KeyedStreamImpl<K, VO>)other;
        builder.claimName(stateful.name());
        final String leftStore = stateful.name() + "-left";
        final String rightStore = stateful.name() + "-right";
        final BiFunction<Object, Object, Object> pair =
            (l, r) -> ((BiFunction<Object, Object, Object>)(BiFunction<?, ?, ?>)joiner).apply(l, r);
        final Node leftSide = builder.add("join " + stateful.name() + " (left side) [store " + leftStore + "]",
            ctx -> new StreamJoinSide(ctx, leftStore, rightStore, (Serde<Object>)grouped.keySerde(),
            (Serde<Object>)grouped.valueSerde(), (Serde<Object>)right.grouped.valueSerde(), windows, true, pair),
            node);
        final Node rightSide = builder.add("join " + stateful.name() + " (right side) [store " + rightStore + "]",
            ctx -> new StreamJoinSide(ctx, rightStore, leftStore, (Serde<Object>)grouped.keySerde(),
            (Serde<Object>)right.grouped.valueSerde(), (Serde<Object>)grouped.valueSerde(), windows, false, pair),
            right.node);
        builder.store(leftStore, leftSide);
        builder.store(rightStore, rightSide);
        return new StreamImpl<>(builder, builder.add("join " + stateful.name() + " within " + windows.before()
            + "/" + windows.after(), ctx -> ctx::forward, leftSide, rightSide));
    }

    private <A> Table<K, A> table(final String what, final Fold fold, final Stateful<?> stateful,
        final Serde<A> serde)
    {
        builder.claimName(stateful.name());
        final String storeName = stateful.name();
        final Serde<Object> keySerde = (Serde<Object>)grouped.keySerde();
        final Node table = builder.add(what + " " + storeName + " [store " + storeName + "]", ctx -> new Processor()
        {
            private final KeyValueStore store = ctx.store(storeName);

            public void process(final Record<Object, Object> r)
            {
                final Bytes key = Bytes.wrap(keySerde.serialize(r.key()));
                final Object aggregate = fold.aggregator().apply(r.key(), r.value(), fold.read(store.get(key)));
                store.put(key, fold.serde().serialize(aggregate));
                ctx.forward(new Record<>(r.key(), aggregate, r.timestamp()));
            }
        }, node);
        builder.store(storeName, table);
        return new TableImpl<>(builder, table, storeName, grouped.keySerde(), serde);
    }
}
