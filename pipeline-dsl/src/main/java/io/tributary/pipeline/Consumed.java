package io.tributary.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How a pipeline reads a topic: its serdes, where event time comes from, and how far out of order records may arrive
 * before they count as late.
 * <p>
 * The task's watermark is the highest event time it has seen minus the largest {@code outOfOrderness} of its inputs;
 * windows close, and records become late, against it.
 *
 * @param keySerde       key serde.
 * @param valueSerde     value serde.
 * @param timestamps     event time of a record; by default the record's own timestamp.
 * @param outOfOrderness how far behind the newest record another may arrive and still be on time; zero by default.
 * @param <K>            key type.
 * @param <V>            value type.
 */
public record Consumed<K, V>(
    Serde<K> keySerde, Serde<V> valueSerde, TimestampExtractor<K, V> timestamps, Duration outOfOrderness)
{
    public Consumed
    {
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        Objects.requireNonNull(timestamps, "timestamps");
        Objects.requireNonNull(outOfOrderness, "outOfOrderness");
        if (outOfOrderness.isNegative())
        {
            throw new IllegalArgumentException("outOfOrderness must not be negative: " + outOfOrderness);
        }
    }

    /**
     * @return records read with these serdes, timed by their own timestamp, none allowed out of order.
     */
    public static <K, V> Consumed<K, V> with(final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        return new Consumed<>(keySerde, valueSerde, (k, v, ts) -> ts, Duration.ZERO);
    }

    /**
     * @return a copy taking event time from the extractor.
     */
    public Consumed<K, V> withTimestamps(final TimestampExtractor<K, V> extractor)
    {
        return new Consumed<>(keySerde, valueSerde, extractor, outOfOrderness);
    }

    /**
     * @return a copy letting records arrive this far out of order.
     */
    public Consumed<K, V> withOutOfOrderness(final Duration outOfOrderness)
    {
        return new Consumed<>(keySerde, valueSerde, timestamps, outOfOrderness);
    }
}
