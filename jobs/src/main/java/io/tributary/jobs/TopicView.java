package io.tributary.jobs;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Credentials;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The latest value of every key of a one-partition compacted topic, as of its end when {@link #refresh()} last ran:
 * reads the topic from the beginning once, then only what was appended since. A tombstone removes its key.
 * <p>
 * Not thread-safe: one thread refreshes and reads it.
 */
final class TopicView implements AutoCloseable
{
    private final Admin admin;
    private final TopicPartition partition;
    private final Consumer<byte[], byte[]> consumer;
    private final Map<String, byte[]> latest = new LinkedHashMap<>();

    TopicView(final String cluster, final Credentials credentials, final Admin admin, final String topic)
    {
        this.admin = admin;
        this.partition = new TopicPartition(topic, 0);
        this.consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster).credentials(credentials).build(),
            Deserializer.bytes(), Deserializer.bytes());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /**
     * Read up to the topic's end as it is now.
     *
     * @throws TributaryException with {@link ErrorCode#TIMEOUT} when the end is not reached in {@code timeout}.
     */
    Map<String, byte[]> refresh(final Duration timeout)
    {
        final long end = admin.endOffsets(List.of(partition)).get(partition);
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(partition) < end)
        {
            if (System.nanoTime() > deadline)
            {
                throw new TributaryException(ErrorCode.TIMEOUT, "reading " + partition.topic() + " took longer than "
                    + timeout);
            }
            for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100)))
            {
                if (record.key() == null)
                {
                    continue;
                }
                final String key = new String(record.key(), StandardCharsets.UTF_8);
                if (record.value() == null)
                {
                    latest.remove(key);
                }
                else
                {
                    latest.put(key, record.value());
                }
            }
        }
        return Collections.unmodifiableMap(latest);
    }

    public void close()
    {
        consumer.close();
    }
}
