package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write and read paths end to end against one real node in its own JVM.
 */
@Timeout(300)
class LogIT
{
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
    }

    @AfterAll
    static void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void keyedRecordsAreReadBackCompleteAndInPartitionOrder()
    {
        final int records = 100_000;
        final int partitions = 4;
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic("orders", partitions));
        }

        final Map<Integer, List<String>> sentByPartition = new HashMap<>();
        try (Producer<String, String> producer = Producer.create(
            ProducerConfig.builder().cluster(cluster.members()).build()))
        {
            final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < records; i++)
            {
                futures.add(producer.send(ProducerRecord.of("orders", "key-" + (i % 1000), "value-" + i)));
            }
            producer.flush();
            for (int i = 0; i < records; i++)
            {
                final RecordMetadata metadata = futures.get(i).join();
                sentByPartition.computeIfAbsent(metadata.partition(), p -> new ArrayList<>()).add("value-" + i);
            }
        }

        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .build()))
        {
            consumer.assignAll("orders");
            final Map<Integer, List<String>> readByPartition = new HashMap<>();
            final Map<Integer, Long> nextOffset = new HashMap<>();
            int read = 0;
            final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (read < records && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500)))
                {
                    final long expected = nextOffset.getOrDefault(record.partition(), 0L);
                    assertEquals(expected, record.offset(), "offsets dense and in order");
                    nextOffset.put(record.partition(), expected + 1);
                    readByPartition.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value());
                    read++;
                }
            }
            assertEquals(records, read);
            assertEquals(sentByPartition, readByPartition);
            assertTrue(readByPartition.size() == partitions, "every partition used");
        }
    }
}
