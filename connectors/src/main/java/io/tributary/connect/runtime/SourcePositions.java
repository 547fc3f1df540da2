package io.tributary.connect.runtime;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.ProducerRecord;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Source positions in the compacted topic {@value #TOPIC}: one record per append, keyed by connector name, value
 * the position text. Compaction keeps the latest per name; a source reads it back on start. Thread-safe (each call
 * uses its own clients).
 */
public final class SourcePositions
{
    public static final String TOPIC = "__connector_offsets";

    private final String cluster;

    public SourcePositions(final String cluster)
    {
        this.cluster = cluster;
    }

    /**
     * Create the topic, compacted, with one partition, unless it exists.
     */
    public static void ensureTopic(final Admin admin)
    {
        Topics.ensure(admin, new NewTopic(TOPIC, 1, Map.of("cleanup.policy", "compact")));
    }

    /**
     * @return the latest position stored for the connector, or null when it never stored one.
     */
    public String read(final String connector)
    {
        final TopicPartition tp = new TopicPartition(TOPIC, 0);
        final long end;
        try (Admin admin = Admin.create(cluster))
        {
            end = admin.endOffsets(List.of(tp)).get(tp);
        }
        if (end == 0)
        {
            return null;
        }
        final ConsumerConfig config = ConsumerConfig.builder().cluster(cluster)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build();
        String latest = null;
        try (Consumer<String, String> consumer = Consumer.create(config, Deserializer.string(), Deserializer.string()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(tp) < end)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new TributaryException(ErrorCode.TIMEOUT, "reading positions from " + TOPIC +
                        " took over 60 s");
                }
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500)))
                {
                    if (connector.equals(record.key()))
                    {
                        latest = record.value();
                    }
                }
            }
        }
        return latest;
    }

    /**
     * @return the record that forgets a connector's position (a tombstone): its next run starts afresh.
     */
    public static ProducerRecord<byte[], byte[]> forget(final String connector)
    {
        return ProducerRecord.of(TOPIC, 0, connector.getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * @return the record that stores a position, to append with the records it follows.
     */
    public static ProducerRecord<byte[], byte[]> record(final String connector, final String position)
    {
        return ProducerRecord.of(TOPIC, 0, connector.getBytes(StandardCharsets.UTF_8),
            position.getBytes(StandardCharsets.UTF_8));
    }
}
