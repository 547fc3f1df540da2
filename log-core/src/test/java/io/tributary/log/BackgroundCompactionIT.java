package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compaction runs on the node's cleaner thread, not in the service: while a large partition is being compacted
 * (its cleaner output on disk, not yet swapped in), a producer's acks keep arriving, and afterwards every acked record
 * is there and the compacted partition holds each key's latest value.
 */
@Timeout(600)
class BackgroundCompactionIT
{
    private static final String BIG = "big-compacted";
    private static final String SIDE = "side";
    private static final int KEYS = 100;

    @Test
    void producesAreAcknowledgedWhileALargePartitionIsCompacted() throws Exception
    {
        // A long check interval: the cleaner's output waits for the next check, so the window is wide.
        try (TestCluster cluster = TestCluster.start(1, List.of("--retention-check-interval-ms", "16000")))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(BIG, 1, Map.of(
                    "cleanup.policy", "compact", "segment.bytes", String.valueOf(1024 * 1024))));
                admin.createTopic(new NewTopic(SIDE, 1, Map.of()));
            }

            // About 24 MB of updates to 100 keys: nearly all superseded.
            final Map<String, String> latest = new HashMap<>();
            final String padding = "x".repeat(200);
            try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(members).build()))
            {
                final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
                for (int i = 0; i < 100_000; i++)
                {
                    final String value = i + "-" + padding;
                    futures.add(producer.send(ProducerRecord.of(BIG, "k" + (i % KEYS), value)));
                    latest.put("k" + (i % KEYS), value);
                    if (futures.size() == 5_000)
                    {
                        awaitAll(futures);
                    }
                }
                awaitAll(futures);
            }

            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong acks = new AtomicLong();
            final AtomicReference<Throwable> producerError = new AtomicReference<>();
            final List<Long> ackedOffsets = new ArrayList<>();
            final Thread sideProducer = new Thread(() ->
            {
                try (Producer<String, String> producer = Producer.create(
                    ProducerConfig.builder().cluster(members).build()))
                {
                    for (int i = 0; !stop.get(); i++)
                    {
                        final RecordMetadata metadata = producer.send(ProducerRecord.of(SIDE, "s", "side-" + i))
                            .get(60, TimeUnit.SECONDS);
                        synchronized (ackedOffsets)
                        {
                            ackedOffsets.add(metadata.offset());
                        }
                        acks.incrementAndGet();
                    }
                }
                catch (final Throwable ex)
                {
                    producerError.set(ex);
                }
            }, "side-producer");
            sideProducer.start();
            try
            {
                final Path partitionDir = cluster.dataDir(0).resolve("log").resolve(BIG + "-0");
                assertTrue(awaitCleanedFiles(partitionDir, true, Duration.ofSeconds(120)),
                    "the cleaner wrote its output");
                final long acksWhenCleaned = acks.get();
                assertTrue(awaitCleanedFiles(partitionDir, false, Duration.ofSeconds(120)),
                    "the next check swapped it in");
                final long acksWhenSwapped = acks.get();
                assertTrue(acksWhenSwapped > acksWhenCleaned,
                    "acks arrived while the compaction was pending: " + acksWhenCleaned + " then " + acksWhenSwapped);
            }
            finally
            {
                stop.set(true);
                sideProducer.join(120_000);
            }
            assertNull(producerError.get(), () -> "the producer failed: " + producerError.get());

            final List<ConsumerRecord<String, String>> side = Records.readAll(members, SIDE);
            assertEquals(ackedOffsets, side.stream().map(ConsumerRecord::offset).toList(), "every ack is readable");

            final Map<String, String> view = new HashMap<>();
            for (final ConsumerRecord<String, String> record : readFromStart(members))
            {
                view.put(record.key(), record.value());
            }
            assertEquals(latest, view, "each key's latest value survives compaction");
        }
    }

    @Test
    void aCompactionPendingAtASnapshotIsStartedAgainAfterARestart() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(1, List.of("--retention-check-interval-ms", "16000")))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(BIG, 1, Map.of(
                    "cleanup.policy", "compact", "segment.bytes", String.valueOf(256 * 1024))));
            }
            final Map<String, String> latest = new HashMap<>();
            final List<RecordMetadata> acked = Records.produce(members, BIG, "v-", 30_000, KEYS);
            for (int i = 0; i < acked.size(); i++)
            {
                latest.put("k" + (i % KEYS), "v-" + i);
            }

            // Snapshot while the cleaner's output waits for the next check, then kill the node before that check.
            final Path partitionDir = cluster.dataDir(0).resolve("log").resolve(BIG + "-0");
            assertTrue(awaitCleanedFiles(partitionDir, true, Duration.ofSeconds(120)), "the cleaner wrote its output");
            assertTrue(cluster.snapshot(0), "snapshot taken");
            cluster.kill(0);

            // The restarted node loads the snapshot, which names the pending compaction, and ends compacted.
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            cluster.awaitCaughtUp(0, BIG, Duration.ofSeconds(60));
            final long end;
            try (Admin admin = Admin.create(members))
            {
                end = admin.describeTopic(BIG).partitions().get(0).endOffset();
            }
            assertEquals(acked.get(acked.size() - 1).offset() + 1, end);
            final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            List<ConsumerRecord<String, String>> left = readFromStart(members);
            while (left.size() >= acked.size() && System.nanoTime() < deadline)
            {
                TestCluster.sleep(500);
                left = readFromStart(members);
            }
            assertTrue(left.size() < acked.size(), "compacted after the restart: " + left.size());
            final Map<String, String> view = new HashMap<>();
            for (final ConsumerRecord<String, String> record : left)
            {
                assertEquals("v-" + record.offset(), record.value(), "offsets unchanged");
                view.put(record.key(), record.value());
            }
            assertEquals(latest, view);
            assertTrue(cluster.log(0).contains("starting again the compaction pending at the snapshot"),
                "the snapshot carried the pending compaction");
        }
    }

    private static void awaitAll(final List<CompletableFuture<RecordMetadata>> futures) throws Exception
    {
        for (final CompletableFuture<RecordMetadata> future : futures)
        {
            future.get(120, TimeUnit.SECONDS);
        }
        futures.clear();
    }

    private static boolean awaitCleanedFiles(final Path dir, final boolean present, final Duration timeout)
        throws IOException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            try (Stream<Path> files = Files.list(dir))
            {
                if (files.anyMatch(f -> f.getFileName().toString().endsWith(".cleaned")) == present)
                {
                    return true;
                }
            }
            TestCluster.sleep(20);
        }
        return false;
    }

    /**
     * Read the compacted partition from its start to its end, offsets increasing with gaps.
     */
    private static List<ConsumerRecord<String, String>> readFromStart(final String members)
    {
        final TopicPartition tp = new TopicPartition(BIG, 0);
        try (Admin admin = Admin.create(members);
            Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            final PartitionInfo partition = admin.describeTopic(BIG).partitions().get(0);
            consumer.assign(List.of(tp));
            consumer.seek(tp, partition.startOffset());
            final List<ConsumerRecord<String, String>> all = new ArrayList<>();
            long last = -1;
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (last < partition.endOffset() - 1 && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200)))
                {
                    assertTrue(record.offset() > last, "offsets increase");
                    last = record.offset();
                    all.add(record);
                }
            }
            assertEquals(partition.endOffset() - 1, last, "read to the end");
            return all;
        }
    }
}
