package io.tributary.connect.conformance;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole topic as it is now, every partition from its start to its end.
 */
final class TopicReader
{
    private TopicReader()
    {
    }

    static List<ConsumerRecord<byte[], byte[]>> all(final String cluster, final String topic)
    {
        final Map<TopicPartition, Long> ends;
        try (Admin admin = Admin.create(cluster))
        {
            if (!admin.listTopics().contains(topic))
            {
                return List.of();
            }
            final int partitions = admin.describeTopic(topic).partitions().size();
            final List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++)
            {
                tps.add(new TopicPartition(topic, p));
            }
            ends = admin.endOffsets(tps);
        }
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue()))
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("reading " + topic + " took over 30 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    static List<Integer> ids(final String cluster, final String topic)
    {
        return all(cluster, topic).stream().map(r -> Ids.of(r.value())).toList();
    }
}
