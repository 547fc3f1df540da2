package io.tributary.log;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The records one {@link Consumer#poll} returned: in offset order within each partition.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class ConsumerRecords<K, V> implements Iterable<ConsumerRecord<K, V>>
{
    private final List<ConsumerRecord<K, V>> records;

    ConsumerRecords(final List<ConsumerRecord<K, V>> records)
    {
        this.records = records;
    }

    public int count()
    {
        return records.size();
    }

    public boolean isEmpty()
    {
        return records.isEmpty();
    }

    public List<ConsumerRecord<K, V>> records(final TopicPartition partition)
    {
        final List<ConsumerRecord<K, V>> result = new ArrayList<>();
        for (final ConsumerRecord<K, V> record : records)
        {
            if (record.partition() == partition.partition() && record.topic().equals(partition.topic()))
            {
                result.add(record);
            }
        }
        return result;
    }

    public List<ConsumerRecord<K, V>> asList()
    {
        return records;
    }

    public Iterator<ConsumerRecord<K, V>> iterator()
    {
        return records.iterator();
    }
}
