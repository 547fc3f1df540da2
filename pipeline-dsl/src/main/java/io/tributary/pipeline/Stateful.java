package io.tributary.pipeline;

import java.util.Objects;

/**
 * Options of a stateful operator: its stable name, which ties its state (store and changelog topic
 * {@code <pipeline>-<name>-changelog}) across restarts and redeploys, and the serde of the state it keeps.
 * Renaming an operator starts its state afresh.
 *
 * @param name  stable name, unique in the pipeline.
 * @param serde serde of the state, or null where the operator knows it (counts, reductions of a keyed stream).
 * @param <S>   state type.
 */
public record Stateful<S>(String name, Serde<S> serde)
{
    public Stateful
    {
        Names.check(name);
    }

    /**
     * @return options naming the operator; its state serde is the one it knows.
     */
    public static <S> Stateful<S> named(final String name)
    {
        return new Stateful<>(name, null);
    }

    /**
     * @return a copy with the serde of the state.
     */
    public <T> Stateful<T> withSerde(final Serde<T> serde)
    {
        return new Stateful<>(name, Objects.requireNonNull(serde, "serde"));
    }
}
