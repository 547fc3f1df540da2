package io.tributary.pipeline;

import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * A keyed stream grouped into windows. Aggregations emit one final result per key and window, when the window
 * closes; records too late for every window they belong to go to {@link #lateRecords()}.
 * <p>
 * Not thread-safe: build a pipeline on one thread.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public interface WindowedStream<K, V>
{
    /**
     * @return each window's reduction, emitted when it closes.
     */
    Stream<Windowed<K>, V> reduce(BinaryOperator<V> reducer, Stateful<V> stateful);

    /**
     * @param stateful name and the serde of the aggregate (required).
     * @return each window's aggregate, emitted when it closes.
     */
    <A> Stream<Windowed<K>, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
        Stateful<A> stateful);

    /**
     * @return each window's record count, emitted when it closes.
     */
    Stream<Windowed<K>, Long> count(Stateful<Long> stateful);

    /**
     * The side output of late records: those that arrived after every window they belong to had closed.
     *
     * @return the late records, unchanged.
     */
    Stream<K, V> lateRecords();
}
