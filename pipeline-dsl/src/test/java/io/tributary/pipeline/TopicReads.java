package io.tributary.pipeline;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the cluster tests read back from a topic: its end offsets, its record count, and every record as it stands.
 */
final class TopicReads
{
    private TopicReads()
    {
    }

    static Map<TopicPartition, Long> ends(final Admin admin, final String topic)
    {
        final List<TopicPartition> partitions = new ArrayList<>();
        for (final PartitionInfo partition : admin.describeTopic(topic).partitions())
        {
            partitions.add(new TopicPartition(topic, partition.partition()));
        }
        return admin.endOffsets(partitions);
    }

    static long count(final Admin admin, final String topic)
    {
        return ends(admin, topic).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * @return every record of the topic up to its end now, partition after partition as the consumer polled them.
     */
    static List<ConsumerRecord<String, String>> records(final String members, final Admin admin, final String topic)
    {
        final List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder().cluster(members).build(),
            Deserializer.string(), Deserializer.string()))
        {
            consumer.assignAll(topic);
            consumer.seekToBeginning(consumer.assignment());
            final Map<TopicPartition, Long> ends = ends(admin, topic);
            while (consumer.assignment().stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)))
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200)))
                {
                    records.add(r);
                }
            }
        }
        return records;
    }

    /**
     * @return the topic's values by key, in offset order per key.
     */
    static Map<String, List<String>> byKey(final String members, final Admin admin, final String topic)
    {
        final Map<String, List<String>> byKey = new TreeMap<>();
        records(members, admin, topic).forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>())
            .add(r.value()));
        return byKey;
    }

    static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
