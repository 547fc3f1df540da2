package io.tributary.pipeline;

/**
 * Folds a value into an aggregate. Must be deterministic and free of side effects: it is re-run on replay.
 *
 * @param <K> key type.
 * @param <V> value type.
 * @param <A> aggregate type.
 */
@FunctionalInterface
public interface Aggregator<K, V, A>
{
    /**
     * @return the new aggregate; the old one may be returned changed only if it is not shared.
     */
    A apply(K key, V value, A aggregate);
}
