package io.tributary.connect.conformance;

import io.tributary.connect.config.ConnectorConfig;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * What the conformance suite needs to know about one connector type: its YAML block, how to put records upstream
 * of a source or read them downstream of a sink, and how to poison it. Records carry an {@code id}; the suite checks
 * ids. Not thread-safe: one per test.
 */
interface ConnectorHarness extends AutoCloseable
{
    /** What a poisoned input led to. */
    enum Poison
    {
        /** It went to the dead-letter topic. */
        DEAD_LETTERED,
        /** The source refused it upstream (an HTTP 400), which is its contract for bad input. */
        REFUSED_UPSTREAM
    }

    String type();

    boolean source();

    /**
     * @return the type's block as a YAML flow map, for a connector named {@code name}.
     */
    String block(String name);

    /**
     * @return a block with a mistake, and the key path the error must name.
     */
    String[] badBlock();

    /**
     * @return for a source, the topic its records go to ({@code to.topic}, unless the type names its own topics).
     */
    default String topic(final ConnectorConfig config)
    {
        return config.to().topic();
    }

    /**
     * Put records with ids {@code from} (inclusive) to {@code to} (exclusive) upstream of a source.
     */
    default void feed(final int from, final int to) throws Exception
    {
        throw new UnsupportedOperationException();
    }

    /**
     * @return whether upstream keeps what is fed while the source is stopped (a webhook caller cannot).
     */
    default boolean feedsWhileStopped()
    {
        return true;
    }

    /**
     * @return whether the source's positions are exact, so a restart repeats nothing.
     */
    default boolean exactPositions()
    {
        return false;
    }

    /**
     * @return why no input of this type can ever be poisoned, or null when one can ({@link #poisonSource()} or
     *         {@link #poisonValue()} makes it).
     */
    default String unpoisonable()
    {
        return null;
    }

    /**
     * For a source: put one unconvertible input upstream.
     */
    default Poison poisonSource() throws Exception
    {
        throw new UnsupportedOperationException(type() + ": " + unpoisonable());
    }

    /**
     * @return for a sink, a value it can never deliver; null is a tombstone.
     */
    default byte[] poisonValue()
    {
        return null;
    }

    /**
     * @return text the dead letter's {@code dlq.error.message} must contain, saying why; null when the poison makes
     *         no dead letter (it is refused upstream, or none can exist).
     */
    String poisonError();

    /**
     * @return for a sink, the ids delivered downstream so far, duplicates included.
     */
    default List<Integer> delivered() throws Exception
    {
        throw new UnsupportedOperationException();
    }

    /**
     * @return what the stdout sink writes to.
     */
    default PrintWriter stdout()
    {
        return new PrintWriter(new StringWriter());
    }

    default void close() throws Exception
    {
    }
}
