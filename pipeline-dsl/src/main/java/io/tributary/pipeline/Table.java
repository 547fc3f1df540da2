package io.tributary.pipeline;

/**
 * The latest value per key: read from a topic ({@link Pipeline#table}) or the result of an aggregation. A null value
 * deletes the key. Its state lives in a store backed by a compacted changelog topic.
 * <p>
 * Not thread-safe: build a pipeline on one thread.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public interface Table<K, V>
{
    /**
     * @return every update of the table as a stream; a deletion has a null value.
     */
    Stream<K, V> toStream();

    /**
     * @return the name of the table's state.
     */
    String name();
}
