package io.tributary.pipeline.internal;

import io.tributary.log.ProducerRecord;
import io.tributary.log.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the tasks of one runner produced since the last checkpoint: outputs (sink and repartition records), then, when
 * sealed, their state changes for the changelog topics, and the next input offsets. All of it goes into one atomic
 * cluster append, so after a crash either all of it is there or none: outputs are never duplicated and state matches
 * the committed offsets.
 * <p>
 * Not thread-safe: filled by the runner's thread.
 */
public final class Checkpoint
{
    private static final int RECORD_OVERHEAD = 64;

    private final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    private final Map<TopicPartition, Long> offsets = new HashMap<>();
    private long bytes;

    public void output(final String topic, final byte[] key, final byte[] value, final long timestamp)
    {
        add(new ProducerRecord<>(topic, null, key, value, timestamp, List.of()));
    }

    public void changelog(final String topic, final int partition, final Bytes key, final byte[] value,
        final long timestamp)
    {
        add(new ProducerRecord<>(topic, partition, key.array(), value, timestamp, List.of()));
    }

    public void consumed(final TopicPartition partition, final long offset)
    {
        offsets.put(partition, offset + 1);
    }

    public List<ProducerRecord<byte[], byte[]>> records()
    {
        return records;
    }

    public Map<TopicPartition, Long> offsets()
    {
        return offsets;
    }

    /**
     * @return an estimate of the bytes added so far.
     */
    public long bytes()
    {
        return bytes;
    }

    public boolean isEmpty()
    {
        return records.isEmpty() && offsets.isEmpty();
    }

    public void clear()
    {
        records.clear();
        offsets.clear();
        bytes = 0;
    }

    private void add(final ProducerRecord<byte[], byte[]> record)
    {
        records.add(record);
        bytes += RECORD_OVERHEAD + (record.key() == null ? 0 : record.key().length)
            + (record.value() == null ? 0 : record.value().length);
    }
}
