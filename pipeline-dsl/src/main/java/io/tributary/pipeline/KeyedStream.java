package io.tributary.pipeline;

import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * A stream partitioned by key: the only stage with keyed state, windows and stream–stream joins. Every stateful
 * operator takes a {@link Stateful} with a stable name that ties its state across restarts.
 * <p>
 * Not thread-safe: build a pipeline on one thread.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public interface KeyedStream<K, V>
{
    /**
     * @return the repartitioned records as a plain stream.
     */
    Stream<K, V> stream();

    /**
     * @return a table of the reduction of each key's values so far; it emits each update.
     */
    Table<K, V> reduce(BinaryOperator<V> reducer, Stateful<V> stateful);

    /**
     * @param stateful name and the serde of the aggregate (required).
     * @return a table of each key's aggregate so far; it emits each update.
     */
    <A> Table<K, A> aggregate(Supplier<A> initializer, Aggregator<? super K, ? super V, A> aggregator,
        Stateful<A> stateful);

    /**
     * @return a table of the number of records of each key so far; it emits each update.
     */
    Table<K, Long> count(Stateful<Long> stateful);

    /**
     * @return the stream grouped into windows per key.
     */
    WindowedStream<K, V> window(Windows windows);

    /**
     * Join with a table on the key (inner join).
     *
     * @return joined records with this stream's key and event time.
     */
    <VT, R> Stream<K, R> join(Table<K, VT> table, BiFunction<? super V, ? super VT, ? extends R> joiner);

    /**
     * Windowed inner join with another keyed stream: records of the same key whose event times are within the join
     * windows of each other give one result each pair, with the later of the two times.
     *
     * @param stateful names the two buffers ({@code <name>-left}, {@code <name>-right}); the serde is not used.
     * @return joined records.
     */
    <VO, R> Stream<K, R> join(KeyedStream<K, VO> other, BiFunction<? super V, ? super VO, ? extends R> joiner,
        JoinWindows windows, Stateful<?> stateful);
}
