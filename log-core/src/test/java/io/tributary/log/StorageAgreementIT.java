package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three nodes in their own JVMs apply retention and background compaction while a producer writes and a consumer
 * tails; a follower is SIGKILLed and restarted mid-way. At the end every node's segment files are identical byte for
 * byte, the consumer saw no error, offsets only increasing and each key's latest value, and every acknowledged record
 * retention kept is readable.
 */
@Tag("fault")
@Timeout(900)
class StorageAgreementIT
{
    private static final String COMPACTED = "agree-compacted";
    private static final String RETAINED = "agree-retained";
    private static final int KEYS = 50;

    @Test
    void nodesHoldTheSameBytesAfterRetentionCompactionAndARestart() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(3, List.of("--retention-check-interval-ms", "1000")))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(COMPACTED, 2, Map.of(
                    "cleanup.policy", "compact", "segment.bytes", "32768", "segment.ms", "3000",
                    "delete.retention.ms", "10000")));
                admin.createTopic(new NewTopic(RETAINED, 2, Map.of(
                    "cleanup.policy", "delete", "segment.bytes", "32768", "retention.bytes", "131072")));
            }

            // key -> latest acked value of the compacted topic (null: a tombstone), and acked retained records.
            final Map<String, String> latest = new TreeMap<>();
            final Map<String, String> retainedAcked = new HashMap<>();
            final AtomicBoolean stopConsumer = new AtomicBoolean();
            final AtomicReference<Throwable> consumerError = new AtomicReference<>();
            final Map<String, String> consumerView = new TreeMap<>();
            final Map<Integer, Long> consumerPositions = new ConcurrentHashMap<>();
            final Thread consumerThread = new Thread(
                () -> tail(members, stopConsumer, consumerError, consumerView, consumerPositions), "agree-consumer");
            consumerThread.start();
            try
            {
                final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
                final int follower = (leader + 1) % 3;
                int sent = produce(members, 0, 6_000, latest, retainedAcked);
                cluster.kill(follower);
                sent = produce(members, sent, 6_000, latest, retainedAcked);
                cluster.restart(follower);
                sent = produce(members, sent, 6_000, latest, retainedAcked);

                for (int node = 0; node < 3; node++)
                {
                    cluster.awaitCaughtUp(node, COMPACTED, Duration.ofSeconds(120));
                    cluster.awaitCaughtUp(node, RETAINED, Duration.ofSeconds(120));
                }
                awaitConsumerAtEnd(members, consumerPositions, consumerError);
            }
            finally
            {
                stopConsumer.set(true);
                consumerThread.join(120_000);
            }
            assertNull(consumerError.get(), () -> "the consumer failed: " + consumerError.get());
            assertEquals(latest, consumerView, "the tailing consumer saw each key's latest value");

            awaitIdenticalStores(cluster, Duration.ofSeconds(180));
            assertTrue(countCompactedRecords(members) < 18_000, "compaction removed superseded records");

            // What retention kept of the acknowledged records is there, at its acknowledged offset.
            final List<ConsumerRecord<String, String>> retained = Records.readAll(members, RETAINED);
            assertTrue(retained.size() > 0);
            for (final ConsumerRecord<String, String> record : retained)
            {
                assertEquals(retainedAcked.get(record.partition() + ":" + record.offset()), record.value());
            }
            try (Admin admin = Admin.create(members))
            {
                assertTrue(admin.describeTopic(RETAINED).partitions().stream().allMatch(p -> p.startOffset() > 0),
                    "retention deleted segments");
            }
        }
    }

    /**
     * Send {@code count} records to each topic and wait for their acks; every 97th compacted record is a tombstone.
     *
     * @return the next sequence number.
     */
    private static int produce(
        final String members, final int from, final int count, final Map<String, String> latest,
        final Map<String, String> retainedAcked) throws Exception
    {
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
        {
            for (int chunk = from; chunk < from + count; chunk += 500)
            {
                final List<CompletableFuture<RecordMetadata>> compacted = new ArrayList<>();
                final List<CompletableFuture<RecordMetadata>> retained = new ArrayList<>();
                final List<String> values = new ArrayList<>();
                for (int i = chunk; i < chunk + 500; i++)
                {
                    final String key = "k" + (i % KEYS);
                    final String value = i % 97 == 0 ? null : "c-" + i;
                    compacted.add(producer.send(ProducerRecord.of(COMPACTED, key, value)));
                    retained.add(producer.send(ProducerRecord.of(RETAINED, key, "r-" + i)));
                    values.add(value);
                }
                producer.flush();
                for (int j = 0; j < compacted.size(); j++)
                {
                    compacted.get(j).get(120, TimeUnit.SECONDS);
                    latest.put("k" + ((chunk + j) % KEYS), values.get(j));
                    final RecordMetadata metadata = retained.get(j).get(120, TimeUnit.SECONDS);
                    retainedAcked.put(metadata.partition() + ":" + metadata.offset(), "r-" + (chunk + j));
                }
                TestCluster.sleep(50);
            }
            return from + count;
        }
    }

    private static void tail(
        final String members,
        final AtomicBoolean stop,
        final AtomicReference<Throwable> error,
        final Map<String, String> view,
        final Map<Integer, Long> positions)
    {
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            final List<TopicPartition> partitions =
                List.of(new TopicPartition(COMPACTED, 0), new TopicPartition(COMPACTED, 1));
            final Map<Integer, Long> lastSeen = new HashMap<>();
            consumer.assign(partitions);
            for (final TopicPartition tp : partitions)
            {
                consumer.seek(tp, 0);
            }
            while (!stop.get())
            {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100)))
                {
                    final long previous = lastSeen.getOrDefault(record.partition(), -1L);
                    assertTrue(record.offset() > previous, "offsets increase: " + record);
                    view.put(record.key(), record.value());
                    lastSeen.put(record.partition(), record.offset());
                }
                for (final TopicPartition tp : partitions)
                {
                    positions.put(tp.partition(), consumer.position(tp));
                }
            }
        }
        catch (final Throwable ex)
        {
            error.set(ex);
        }
    }

    private static void awaitConsumerAtEnd(
        final String members, final Map<Integer, Long> positions, final AtomicReference<Throwable> error)
    {
        final Map<Integer, Long> lastOffsets = new HashMap<>();
        try (Admin admin = Admin.create(members))
        {
            for (final PartitionInfo partition : admin.describeTopic(COMPACTED).partitions())
            {
                lastOffsets.put(partition.partition(), partition.endOffset());
            }
        }
        final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && null == error.get())
        {
            if (Map.copyOf(positions).equals(lastOffsets))
            {
                return;
            }
            TestCluster.sleep(200);
        }
        assertNull(error.get(), () -> "the consumer failed: " + error.get());
        fail("the consumer did not reach the end " + lastOffsets + ": " + positions);
    }

    private static long countCompactedRecords(final String members)
    {
        try (Admin admin = Admin.create(members);
            Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            long count = 0;
            for (final PartitionInfo partition : admin.describeTopic(COMPACTED).partitions())
            {
                final TopicPartition tp = new TopicPartition(COMPACTED, partition.partition());
                consumer.assign(List.of(tp));
                consumer.seek(tp, partition.startOffset());
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (consumer.position(tp) < partition.endOffset() && System.nanoTime() < deadline)
                {
                    count += consumer.poll(Duration.ofMillis(200)).count();
                }
                assertEquals(partition.endOffset(), consumer.position(tp), "read " + tp + " to its end");
            }
            return count;
        }
    }

    /**
     * Retention checks keep firing on each node at its own pace, so the stores are compared until one reading finds
     * them equal; they settle once nothing is left to roll, delete or compact.
     */
    private static void awaitIdenticalStores(final TestCluster cluster, final Duration timeout) throws IOException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String difference = "";
        while (System.nanoTime() < deadline)
        {
            final Map<String, byte[]> first = segmentFiles(cluster.dataDir(0));
            difference = "";
            for (int node = 1; node < 3 && difference.isEmpty(); node++)
            {
                difference = difference(first, segmentFiles(cluster.dataDir(node)), node);
            }
            if (difference.isEmpty())
            {
                assertTrue(first.keySet().stream().anyMatch(name -> name.startsWith(COMPACTED)));
                return;
            }
            TestCluster.sleep(500);
        }
        fail("the nodes' segment stores differ: " + difference);
    }

    private static String difference(final Map<String, byte[]> expected, final Map<String, byte[]> actual, final int node)
    {
        if (!expected.keySet().equals(actual.keySet()))
        {
            return "node 0 has " + expected.keySet() + ", node " + node + " has " + actual.keySet();
        }
        for (final Map.Entry<String, byte[]> e : expected.entrySet())
        {
            if (!Arrays.equals(e.getValue(), actual.get(e.getKey())))
            {
                return e.getKey() + " differs between node 0 and node " + node;
            }
        }
        return "";
    }

    /**
     * @return every segment file ({@code .log}) of the two topics by partition directory and name.
     */
    private static Map<String, byte[]> segmentFiles(final Path dataDir) throws IOException
    {
        final Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(dataDir.resolve("log")))
        {
            for (final Path dir : (Iterable<Path>)dirs::iterator)
            {
                try (Stream<Path> segments = Files.list(dir))
                {
                    for (final Path segment : (Iterable<Path>)segments::iterator)
                    {
                        final String name = segment.getFileName().toString();
                        if (name.endsWith(".log"))
                        {
                            try
                            {
                                files.put(dir.getFileName() + "/" + name, Files.readAllBytes(segment));
                            }
                            catch (final java.nio.file.NoSuchFileException ex)
                            {
                                // deleted by retention while listing: the next reading will not list it
                            }
                        }
                    }
                }
                catch (final java.nio.file.NoSuchFileException ex)
                {
                    // a directory removed while listing
                }
            }
        }
        return files;
    }
}
