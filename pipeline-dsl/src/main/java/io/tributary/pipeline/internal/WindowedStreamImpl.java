package io.tributary.pipeline.internal;

import io.tributary.pipeline.Aggregator;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Stream;
import io.tributary.pipeline.Windowed;
import io.tributary.pipeline.WindowedStream;
import io.tributary.pipeline.Windows;

import java.util.Objects;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * The {@link WindowedStream} stage: below the gate that sends late records to the side output.
 * <p>
 * Not thread-safe: one thread builds a pipeline.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
@SuppressWarnings("unchecked")
public final class WindowedStreamImpl<K, V> implements WindowedStream<K, V>
{
    private final GraphBuilder builder;
    private final Node gate;
    private final Grouped<K, V> grouped;
    private final Windows windows;

    WindowedStreamImpl(final GraphBuilder builder, final Node gate, final Grouped<K, V> grouped,
        final Windows windows)
    {
        this.builder = builder;
        this.gate = gate;
        this.grouped = grouped;
        this.windows = windows;
    }

    public Stream<Windowed<K>, V> reduce(final BinaryOperator<V> reducer, final Stateful<V> stateful)
    {
        Objects.requireNonNull(reducer, "reducer");
        final Serde<V> serde = stateful.serde() != null ? stateful.serde() : grouped.valueSerde();
        return windowed("reduce", Fold.reduce(reducer, serde), stateful);
    }

    public <A> Stream<Windowed<K>, A> aggregate(final Supplier<A> initializer,
        final Aggregator<? super K, ? super V, A> aggregator, final Stateful<A> stateful)
    {
        Objects.requireNonNull(initializer, "initializer");
        Objects.requireNonNull(aggregator, "aggregator");
        Objects.requireNonNull(stateful.serde(), "aggregate needs the serde of its state: Stateful.withSerde");
        return windowed("aggregate", Fold.aggregate(initializer, aggregator, stateful.serde()), stateful);
    }

    public Stream<Windowed<K>, Long> count(final Stateful<Long> stateful)
    {
        return windowed("count", Fold.count(), stateful);
    }

    public Stream<K, V> lateRecords()
    {
        return new StreamImpl<>(builder, builder.addLate("late records", ctx -> ctx::forward, gate));
    }

    private <A> Stream<Windowed<K>, A> windowed(final String what, final Fold fold, final Stateful<?> stateful)
    {
        builder.claimName(stateful.name());
        final String store = stateful.name();
        final Serde<Object> keySerde = (Serde<Object>)grouped.keySerde();
        final Serde<Object> valueSerde = (Serde<Object>)grouped.valueSerde();
        final Node node = builder.add(what + " " + store + " [store " + store + "]", ctx -> switch (windows.kind())
        {
            case TUMBLING, HOPPING -> new TimeWindowProcessor(ctx, store, windows, keySerde, fold);
            case SLIDING -> new SlidingWindowProcessor(ctx, store, windows, keySerde, valueSerde, fold);
            case SESSION -> new SessionWindowProcessor(ctx, store, windows, keySerde, valueSerde, fold);
        }, gate);
        builder.store(store, node);
        return new StreamImpl<>(builder, node);
    }
}
