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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compaction on a real node: many updates to few keys are compacted on the retention timer to the latest value per
 * key with offsets unchanged, a producer and a consumer running meanwhile see no error or loss, and a node killed and
 * restarted holds the same records at the same offsets.
 */
@Timeout(300)
class CompactionIT
{
    private static final int KEYS = 20;
    private static final String TOPIC = "compacted";
    private static TestCluster cluster;
    private static String members;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1, List.of("--retention-check-interval-ms", "500"));
        members = cluster.members();
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
    void compactsToTheLatestValuePerKeyWhileProducersAndConsumersRun() throws Exception
    {
        try (Admin admin = Admin.create(members))
        {
            admin.createTopic(new NewTopic(TOPIC, 1, Map.of(
                "cleanup.policy", "compact", "segment.bytes", "16384", "segment.ms", "1000")));
        }

        // offset -> value of everything acknowledged, and the latest value per key.
        final Map<Long, String> acked = new TreeMap<>();
        final Map<String, String> latest = new HashMap<>();
        final List<RecordMetadata> first = Records.produce(members, TOPIC, "a-", 20_000, KEYS);
        for (int i = 0; i < first.size(); i++)
        {
            acked.put(first.get(i).offset(), "a-" + i);
            latest.put("k" + (i % KEYS), "a-" + i);
        }

        // A consumer reading from 0 and a producer writing while compaction runs.
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> consumerError = new AtomicReference<>();
        final Map<String, Integer> lastSeqSeen = new HashMap<>();
        final Map<String, String> consumerView = new HashMap<>();
        final AtomicLong consumerPosition = new AtomicLong(-1);
        final Thread consumerThread = new Thread(() ->
        {
            final TopicPartition tp = new TopicPartition(TOPIC, 0);
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
            {
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                while (!stop.get())
                {
                    for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100)))
                    {
                        assertTrue(record.offset() > consumerPosition.get(), "offsets increase");
                        consumerPosition.set(record.offset());
                        final int seq = Integer.parseInt(record.value().substring(2));
                        final String phase = record.value().substring(0, 2);
                        final Integer previous = lastSeqSeen.get(record.key() + phase);
                        assertTrue(null == previous || seq > previous, "per-key order kept");
                        lastSeqSeen.put(record.key() + phase, seq);
                        consumerView.put(record.key(), record.value());
                    }
                }
            }
            catch (final Throwable ex)
            {
                consumerError.set(ex);
            }
        }, "compaction-it-consumer");
        consumerThread.start();

        final int concurrent = 6_000;
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
        {
            final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < concurrent; i++)
            {
                futures.add(producer.send(ProducerRecord.of(TOPIC, "k" + (i % KEYS), "b-" + i)));
                if (i % 200 == 199)
                {
                    producer.flush();
                    TestCluster.sleep(50);
                }
            }
            producer.flush();
            for (int i = 0; i < concurrent; i++)
            {
                acked.put(futures.get(i).join().offset(), "b-" + i);
                latest.put("k" + (i % KEYS), "b-" + i);
            }
        }

        // The consumer catches up with the end and ends with every key's latest value.
        final long end = end();
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consumerPosition.get() < end - 1 && System.nanoTime() < deadline && null == consumerError.get())
        {
            TestCluster.sleep(100);
        }
        stop.set(true);
        consumerThread.join();
        assertNull(consumerError.get(), () -> "consumer failed: " + consumerError.get());
        assertEquals(end - 1, consumerPosition.get());
        assertEquals(latest, consumerView, "the concurrent consumer saw every key's latest value");

        // Once the active segment is rolled and compacted, exactly the latest value of each key is left.
        List<ConsumerRecord<String, String>> left = List.of();
        final long compactDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < compactDeadline)
        {
            left = readAll();
            if (left.size() == KEYS)
            {
                break;
            }
            TestCluster.sleep(500);
        }
        assertEquals(KEYS, left.size(), "compacted to one record per key: " + left.size());
        final Map<String, String> view = new HashMap<>();
        for (final ConsumerRecord<String, String> record : left)
        {
            assertEquals(acked.get(record.offset()), record.value(), "offset unchanged for " + record);
            view.put(record.key(), record.value());
        }
        assertEquals(latest, view);
        assertEquals(0, start(), "compaction does not move the start offset");
        assertEquals(end, end());

        cluster.kill(0);
        cluster.restart(0);
        cluster.awaitLeader(Duration.ofSeconds(60));
        cluster.awaitCaughtUp(0, TOPIC, Duration.ofSeconds(60));
        assertEquals(end, end());
        final List<ConsumerRecord<String, String>> restarted = readAll();
        assertEquals(offsetsAndValues(left), offsetsAndValues(restarted), "the restarted node agrees");
    }

    private static List<String> offsetsAndValues(final List<ConsumerRecord<String, String>> records)
    {
        return records.stream().map(r -> r.offset() + ":" + r.key() + "=" + r.value()).toList();
    }

    /**
     * Read the partition from its start to its end offset, offsets increasing with gaps allowed.
     */
    private static List<ConsumerRecord<String, String>> readAll()
    {
        final long end = end();
        final TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            consumer.assign(List.of(tp));
            consumer.seek(tp, start());
            final List<ConsumerRecord<String, String>> all = new ArrayList<>();
            long last = -1;
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (last < end - 1 && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200)))
                {
                    assertTrue(record.offset() > last, "offsets increase");
                    last = record.offset();
                    all.add(record);
                }
            }
            assertEquals(end - 1, last, "read to the end");
            return all;
        }
    }

    private static long start()
    {
        try (Admin admin = Admin.create(members))
        {
            return admin.describeTopic(TOPIC).partitions().get(0).startOffset();
        }
    }

    private static long end()
    {
        try (Admin admin = Admin.create(members))
        {
            return admin.describeTopic(TOPIC).partitions().get(0).endOffset();
        }
    }
}
