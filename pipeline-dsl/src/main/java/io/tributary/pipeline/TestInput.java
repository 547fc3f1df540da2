package io.tributary.pipeline;

/**
 * Writes records into an input topic of a {@link PipelineTestDriver}; each is processed before the call returns.
 * <p>
 * Not thread-safe, as the driver.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class TestInput<K, V>
{
    private final PipelineTestDriver driver;
    private final String topic;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    TestInput(final PipelineTestDriver driver, final String topic, final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        this.driver = driver;
        this.topic = topic;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    /**
     * Pipe a record with the given timestamp (epoch ms) and process it.
     */
    public void pipe(final K key, final V value, final long timestamp)
    {
        driver.pipe(topic, keySerde.serialize(key), valueSerde.serialize(value), timestamp);
    }

    /**
     * Pipe a record stamped with the driver's wall clock.
     */
    public void pipe(final K key, final V value)
    {
        pipe(key, value, driver.wallClock());
    }
}
