package io.tributary.pipeline.internal;

import io.tributary.pipeline.Aggregator;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Serdes;

import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * How an aggregation folds values: an initial aggregate, the fold, and the aggregate's serde. Reduce and count are
 * folds too. Immutable and thread-safe if the functions are.
 *
 * @param initializer the empty aggregate (null for a reduction).
 * @param aggregator  folds one value in.
 * @param serde       serde of the aggregate, used for state.
 */
@SuppressWarnings("unchecked")
public record Fold(Supplier<Object> initializer, Aggregator<Object, Object, Object> aggregator, Serde<Object> serde)
{
    public static <K, V, A> Fold aggregate(final Supplier<A> initializer,
        final Aggregator<? super K, ? super V, A> aggregator, final Serde<A> serde)
    {
        return new Fold((Supplier<Object>)initializer,
            (k, v, a) -> ((Aggregator<K, V, A>)aggregator).apply((K)k, (V)v, (A)a), (Serde<Object>)serde);
    }

    public static <V> Fold reduce(final BinaryOperator<V> reducer, final Serde<V> serde)
    {
        return new Fold(() -> null, (k, v, a) -> a == null ? v : reducer.apply((V)a, (V)v), (Serde<Object>)serde);
    }

    public static Fold count()
    {
        return new Fold(() -> 0L, (k, v, a) -> (Long)a + 1, (Serde<Object>)(Serde<?>)Serdes.longs());
    }

    /**
     * @return the stored aggregate, or the initial one when none is stored.
     */
    public Object read(final byte[] bytes)
    {
        return bytes == null ? initializer.get() : serde.deserialize(bytes);
    }
}
