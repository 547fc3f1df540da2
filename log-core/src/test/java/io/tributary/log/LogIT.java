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
    void headersTimestampsTombstonesAndSeeksRoundTrip()
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic("details", 2));
        }
        final TopicPartition tp = new TopicPartition("details", 1);
        final long base = 1_700_000_000_000L;
        try (Producer<String, String> producer = Producer.create(
            ProducerConfig.builder().cluster(cluster.members()).build()))
        {
            for (int i = 0; i < 100; i++)
            {
                final List<Header> headers = List.of(
                    new Header("trace-id", ("t" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    new Header("empty", new byte[0]));
                final RecordMetadata metadata = producer.send(
                    new ProducerRecord<>("details", 1, i % 10 == 0 ? null : "k" + i, i % 7 == 0 ? null : "v" + i,
                    base + i * 1000L, headers)).join();
                assertEquals(i, metadata.offset());
                assertEquals(base + i * 1000L, metadata.timestamp());
                assertTrue(metadata.appendTime() > base, "append time is the cluster's clock");
            }
        }

        try (Consumer<String, String> consumer = Consumer.create(
            ConsumerConfig.builder().cluster(cluster.members()).build()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToTimestamp(List.of(tp), base + 41_500L);
            assertEquals(42, consumer.position(tp));
            final ConsumerRecord<String, String> at42 = consumer.poll(Duration.ofSeconds(5)).iterator().next();
            assertEquals(42, at42.offset());
            assertEquals("k42", at42.key());
            assertEquals(null, at42.value(), "tombstone stays null");
            assertEquals(base + 42_000L, at42.timestamp());
            assertEquals("trace-id", at42.headers().get(0).key());
            assertEquals("t42", new String(at42.headers().get(0).value(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(0, at42.headers().get(1).value().length);

            consumer.seek(tp, 70);
            final ConsumerRecord<String, String> at70 = consumer.poll(Duration.ofSeconds(5)).iterator().next();
            assertEquals(70, at70.offset());
            assertEquals(null, at70.key(), "null key stays null");
            assertEquals(null, at70.value());

            consumer.seekToEnd(List.of(tp));
            assertEquals(100, consumer.position(tp));
            assertTrue(consumer.poll(Duration.ofMillis(300)).isEmpty());
            consumer.seekToBeginning(List.of(tp));
            assertEquals(0, consumer.poll(Duration.ofSeconds(5)).iterator().next().offset());
            consumer.seekToTimestamp(List.of(tp), base + 1_000_000L);
            assertEquals(100, consumer.position(tp), "past the last timestamp: the end");
        }
    }

    @Test
    void currentLagIsWhatTheLastFetchSaidOfTheEnd()
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic("lagging", 1));
        }
        for (int batch = 0; batch < 3; batch++)
        {
            Records.produce(cluster.members(), "lagging", "v", 1_000, 10);
        }
        final TopicPartition tp = new TopicPartition("lagging", 0);
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members()).fetchMaxBytes(1024).build()))
        {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertTrue(consumer.currentLag(tp).isEmpty(), "nothing fetched yet: unknown");
            int read = 0;
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read == 0 && System.nanoTime() < deadline)
            {
                read += consumer.poll(Duration.ofMillis(500)).count();
            }
            assertTrue(read > 0 && read < 3_000, "a first, partial poll: " + read);
            assertEquals(3_000 - consumer.position(tp), consumer.currentLag(tp).getAsLong());
            while (read < 3_000 && System.nanoTime() < deadline)
            {
                read += consumer.poll(Duration.ofMillis(500)).count();
            }
            assertEquals(3_000, read);
            assertEquals(0, consumer.currentLag(tp).getAsLong(), "caught up");
            consumer.seek(tp, 100);
            assertTrue(consumer.currentLag(tp).isEmpty(), "a seek forgets what was heard");
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
