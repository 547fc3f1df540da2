package io.tributary.pipeline;

import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what a pipeline wrote to a topic in a {@link PipelineTestDriver}, in the order it was written. Reading
 * consumes: each record is read once.
 * <p>
 * Not thread-safe, as the driver.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class TestOutput<K, V>
{
    private final Deque<PipelineTestDriver.Written> queue;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    TestOutput(final Deque<PipelineTestDriver.Written> queue, final Serde<K> keySerde, final Serde<V> valueSerde)
    {
        this.queue = queue;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public boolean isEmpty()
    {
        return queue.isEmpty();
    }

    /**
     * @return records not read yet.
     */
    public int size()
    {
        return queue.size();
    }

    /**
     * @return the next record, or null when there is none.
     */
    public Record<K, V> readRecord()
    {
        final PipelineTestDriver.Written w = queue.pollFirst();
        return w == null ? null
            : new Record<>(keySerde.deserialize(w.key()), valueSerde.deserialize(w.value()), w.timestamp());
    }

    /**
     * @return every record not read yet.
     */
    public List<Record<K, V>> readRecords()
    {
        final List<Record<K, V>> records = new ArrayList<>();
        while (!queue.isEmpty())
        {
            records.add(readRecord());
        }
        return records;
    }

    /**
     * @return the values of every record not read yet.
     */
    public List<V> readValues()
    {
        return readRecords().stream().map(Record::value).toList();
    }

    /**
     * @return the latest value per key of the records not read yet, in first-written key order.
     */
    public Map<K, V> readKeyValuesToMap()
    {
        final Map<K, V> map = new LinkedHashMap<>();
        for (final Record<K, V> r : readRecords())
        {
            map.put(r.key(), r.value());
        }
        return map;
    }
}
