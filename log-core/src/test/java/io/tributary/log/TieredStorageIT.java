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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiered copy on a real node started with {@code --archive-dir}: records past local retention are still read from
 * offset 0 with the same offsets, keys, values and timestamps, {@code seekToBeginning} and {@code ListOffsets
 * EARLIEST} see the archived start, a node restarted after a SIGKILL serves the same, and {@code archive.retention.ms}
 * deletes what is only archived.
 */
@Timeout(600)
class TieredStorageIT
{
    private static final String TOPIC = "tiered";

    @Test
    void recordsPastLocalRetentionAreReadFromTheArchive() throws Exception
    {
        final Path archiveDir = Files.createTempDirectory("tributary-archive-");
        try (TestCluster cluster = TestCluster.start(1,
            List.of("--retention-check-interval-ms", "500", "--archive-dir", archiveDir.toString())))
        {
            final String members = cluster.members();
            final Map<String, String> config = new HashMap<>(Map.of(
                "remote.storage.enable", "true", "segment.bytes", "16384", "retention.bytes", "32768"));
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(TOPIC, 1, config));
            }
            final List<RecordMetadata> acked = Records.produce(members, TOPIC, "v-", 20_000, 100);
            final TopicPartition tp = new TopicPartition(TOPIC, 0);

            final long localStart = awaitLocalStartAbove(members, 0);
            assertTrue(archivedFiles(archiveDir) > 0, "segments were copied to the archive");
            final List<ConsumerRecord<String, String>> first = readFromBeginning(members, tp);
            assertEquals(acked.size(), first.size());
            for (int i = 0; i < acked.size(); i++)
            {
                assertEquals(acked.get(i).offset(), first.get(i).offset());
                assertEquals("k" + (i % 100), first.get(i).key());
                assertEquals("v-" + i, first.get(i).value());
            }
            try (Admin admin = Admin.create(members))
            {
                assertEquals(0L, admin.startOffsets(List.of(tp)).get(tp), "ListOffsets EARLIEST is the archive's");
                assertTrue(admin.describeTopic(TOPIC).partitions().get(0).startOffset() >= localStart,
                    "the local start offset moved");
            }

            // A node killed and restarted rebuilds its segments from the cluster log and archives them again.
            cluster.kill(0);
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            cluster.awaitCaughtUp(0, TOPIC, Duration.ofSeconds(60));
            awaitLocalStartAbove(members, 0);
            assertSameRecords(first, readFromBeginning(members, tp));

            // Archive retention: everything archived and no longer local goes.
            config.put("archive.retention.ms", "0");
            try (Admin admin = Admin.create(members))
            {
                admin.alterTopicConfigs(TOPIC, config);
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                long earliest = 0;
                long local = 0;
                while (System.nanoTime() < deadline)
                {
                    earliest = admin.startOffsets(List.of(tp)).get(tp);
                    local = admin.describeTopic(TOPIC).partitions().get(0).startOffset();
                    if (earliest == local)
                    {
                        break;
                    }
                    TestCluster.sleep(200);
                }
                assertEquals(local, earliest, "only local data is left");
            }
        }
        finally
        {
            TestCluster.deleteRecursively(archiveDir);
        }
    }

    private static long awaitLocalStartAbove(final String members, final long offset)
    {
        try (Admin admin = Admin.create(members))
        {
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long start = -1;
            while (System.nanoTime() < deadline)
            {
                start = admin.describeTopic(TOPIC).partitions().get(0).startOffset();
                if (start > offset)
                {
                    return start;
                }
                TestCluster.sleep(200);
            }
            throw new AssertionError("retention did not delete local segments: start offset " + start);
        }
    }

    private static long archivedFiles(final Path archiveDir) throws IOException
    {
        try (Stream<Path> files = Files.walk(archiveDir))
        {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
    }

    private static List<ConsumerRecord<String, String>> readFromBeginning(final String members, final TopicPartition tp)
    {
        try (Admin admin = Admin.create(members);
            Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members).autoOffsetReset(ConsumerConfig.OffsetReset.NONE).build()))
        {
            final long end = admin.endOffsets(List.of(tp)).get(tp);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertEquals(0, consumer.position(tp), "seekToBeginning goes to the archived start");
            final List<ConsumerRecord<String, String>> all = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200)))
                {
                    assertEquals(all.size(), record.offset(), "dense offsets from 0");
                    all.add(record);
                }
            }
            assertEquals(end, all.size(), "read to the end");
            return all;
        }
    }

    private static void assertSameRecords(
        final List<ConsumerRecord<String, String>> expected, final List<ConsumerRecord<String, String>> actual)
    {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertEquals(expected.get(i).offset(), actual.get(i).offset());
            assertEquals(expected.get(i).key(), actual.get(i).key());
            assertEquals(expected.get(i).value(), actual.get(i).value());
            assertEquals(expected.get(i).timestamp(), actual.get(i).timestamp());
            assertEquals(expected.get(i).appendTime(), actual.get(i).appendTime());
        }
    }
}
