package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A node keeps every acknowledged record, offset and committed consumer offset across restarts: after a clean
 * stop (snapshot, then exit), after SIGKILL (log replay), after a snapshot then more writes then SIGKILL (snapshot
 * plus replay onto a store cut back to the snapshot), and with a torn segment tail.
 */
@Timeout(300)
class RestartIT
{
    @Test
    void cleanStopAndKillKeepRecordsAndCommittedOffsets() throws IOException
    {
        try (TestCluster cluster = TestCluster.start(1))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("events", 3, Map.of("segment.bytes", "65536")));
            }
            Records.produce(members, "events", "a", 5_000, 50);
            commit(members, "g1", new TopicPartition("events", 1), 42);
            final List<ConsumerRecord<String, String>> before = Records.readAll(members, "events");
            assertEquals(5_000, before.size());

            cluster.stop(0);
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            assertSameRecords(before, Records.readAll(members, "events"));
            assertEquals(42L, committed(members, "g1", new TopicPartition("events", 1)));

            Records.produce(members, "events", "b", 2_000, 50);
            cluster.snapshot(0);
            Records.produce(members, "events", "c", 2_000, 50);
            commit(members, "g1", new TopicPartition("events", 2), 7);
            final List<ConsumerRecord<String, String>> beforeKill = Records.readAll(members, "events");
            assertEquals(9_000, beforeKill.size());

            cluster.kill(0);
            tearSegmentTails(cluster.dataDir(0).resolve("log"));
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            assertSameRecords(beforeKill, Records.readAll(members, "events"));
            assertEquals(42L, committed(members, "g1", new TopicPartition("events", 1)));
            assertEquals(7L, committed(members, "g1", new TopicPartition("events", 2)));

            Records.produce(members, "events", "d", 1_000, 50);
            assertEquals(10_000, Records.readAll(members, "events").size());
        }
    }

    private static void assertSameRecords(
        final List<ConsumerRecord<String, String>> expected, final List<ConsumerRecord<String, String>> actual)
    {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
        {
            final ConsumerRecord<String, String> e = expected.get(i);
            final ConsumerRecord<String, String> a = actual.get(i);
            assertEquals(e.partition(), a.partition());
            assertEquals(e.offset(), a.offset());
            assertEquals(e.key(), a.key());
            assertEquals(e.value(), a.value());
            assertEquals(e.timestamp(), a.timestamp());
            assertEquals(e.appendTime(), a.appendTime(), "append time is the cluster's, identical on replay");
        }
    }

    /**
     * Half-written batches after a crash: garbage past the end of each partition's last segment.
     */
    private static void tearSegmentTails(final Path logDir) throws IOException
    {
        try (Stream<Path> files = Files.walk(logDir))
        {
            for (final Path segment : files.filter(p -> p.toString().endsWith(".log")).toList())
            {
                final long size = Files.size(segment);
                final byte[] garbage = new byte[100];
                garbage[0] = 77;
                garbage[8] = 50;
                Files.write(segment, garbage, StandardOpenOption.APPEND);
                assertEquals(size + 100, Files.size(segment));
            }
        }
    }

    static void commit(final String members, final String group, final TopicPartition tp, final long offset)
    {
        try (Consumer<String, String> consumer = Consumer.create(
            ConsumerConfig.builder().cluster(members).groupId(group).build()))
        {
            consumer.commitSync(Map.of(tp, offset));
        }
    }

    static long committed(final String members, final String group, final TopicPartition tp)
    {
        try (Consumer<String, String> consumer = Consumer.create(
            ConsumerConfig.builder().cluster(members).groupId(group).build()))
        {
            return consumer.committed(List.of(tp)).get(tp);
        }
    }
}
