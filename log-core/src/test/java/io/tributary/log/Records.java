package io.tributary.log;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Small helpers the integration tests share: produce a numbered sequence, read a topic back whole.
 */
final class Records
{
    private Records()
    {
    }

    /**
     * Send values {@code prefix0..prefix(count-1)} with keys {@code k<i % keys>} and wait for every ack.
     *
     * @return the metadata of each record, in send order.
     */
    static List<RecordMetadata> produce(
        final String cluster, final String topic, final String prefix, final int count, final int keys)
    {
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(cluster).build()))
        {
            final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                futures.add(producer.send(ProducerRecord.of(topic, "k" + (i % keys), prefix + i)));
            }
            producer.flush();
            final List<RecordMetadata> result = new ArrayList<>(count);
            for (final CompletableFuture<RecordMetadata> future : futures)
            {
                result.add(future.join());
            }
            return result;
        }
    }

    /**
     * Read every partition of a topic from offset 0 up to its end offset, checking offsets are dense.
     *
     * @return the records, partition by partition.
     */
    static List<ConsumerRecord<String, String>> readAll(final String cluster, final String topic)
    {
        try (Admin admin = Admin.create(cluster);
            Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(cluster)
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
                .build()))
        {
            final TopicDescription description = admin.describeTopic(topic);
            final List<ConsumerRecord<String, String>> all = new ArrayList<>();
            for (final PartitionInfo partition : description.partitions())
            {
                final TopicPartition tp = new TopicPartition(topic, partition.partition());
                consumer.assign(List.of(tp));
                consumer.seek(tp, partition.startOffset());
                long next = partition.startOffset();
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (next < partition.endOffset() && System.nanoTime() < deadline)
                {
                    for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200)))
                    {
                        assertEquals(next, record.offset(), "dense offsets in " + tp);
                        next++;
                        all.add(record);
                    }
                }
                assertEquals(partition.endOffset(), next, "read " + tp + " to its end");
            }
            return all;
        }
    }
}
