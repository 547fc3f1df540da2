package io.tributary.pipeline;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * An unbounded stream of records, stateless so far. Each call adds an operator to the pipeline and returns the stage
 * it leads to; only calls legal at that stage exist. Functions passed in must be deterministic and free of side
 * effects other than {@link #peek}: they run again on replay and after a restart.
 * <p>
 * Not thread-safe: build a pipeline on one thread. The built {@link Topology} is immutable.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public interface Stream<K, V>
{
    /**
     * @return the records for which the predicate holds.
     */
    Stream<K, V> filter(BiPredicate<? super K, ? super V> predicate);

    /**
     * @return each record turned into a new key and value; the event time is kept.
     */
    <K2, V2> Stream<K2, V2> map(BiFunction<? super K, ? super V, KeyValue<K2, V2>> mapper);

    /**
     * @return each record with a new value; key and event time kept.
     */
    <V2> Stream<K, V2> mapValues(Function<? super V, ? extends V2> mapper);

    /**
     * @return each record turned into zero or more records with the same event time.
     */
    <K2, V2> Stream<K2, V2> flatMap(BiFunction<? super K, ? super V, ? extends Iterable<KeyValue<K2, V2>>> mapper);

    /**
     * Look at each record, e.g. for metrics or logs, without changing the stream. The action runs again on replay.
     *
     * @return this stream's records, unchanged.
     */
    Stream<K, V> peek(BiConsumer<? super K, ? super V> action);

    /**
     * @return the records of both streams, in the order they are processed.
     */
    Stream<K, V> merge(Stream<K, V> other);

    /**
     * Route records to named branches: each record goes to the first branch whose predicate holds.
     *
     * @return branch name to its stream, in the order the branches were defined.
     */
    Map<String, Stream<K, V>> split(Split<K, V> split);

    /**
     * Write every record to a topic.
     */
    void to(String topic, Produced<K, V> produced);

    /**
     * Write each record to the topic the router chooses for it.
     */
    void to(TopicRouter<K, V> router, Produced<K, V> produced);

    /**
     * Key the stream for state, windows and joins. The records are repartitioned by the new key through an internal
     * topic, so that every record of a key reaches the task holding its state.
     *
     * @return the keyed stream.
     */
    <K2> KeyedStream<K2, V> keyBy(BiFunction<? super K, ? super V, ? extends K2> selector, Grouped<K2, V> grouped);

    /**
     * Inner join with a table on the record key: each record with a table row for its key gives one result; records
     * without one are dropped. The stream must be partitioned like the table's topic (same key bytes, same
     * partition count), e.g. {@link KeyedStream#stream()} of a stream keyed with the table's key serde.
     *
     * @return joined records, with the stream record's key and event time.
     */
    <VT, R> Stream<K, R> join(Table<K, VT> table, BiFunction<? super V, ? super VT, ? extends R> joiner);

    /**
     * As {@link #join(Table, BiFunction)}, but a record without a table row joins with null.
     */
    <VT, R> Stream<K, R> leftJoin(Table<K, VT> table, BiFunction<? super V, ? super VT, ? extends R> joiner);
}
