package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Periodic snapshots bound the cluster log: once the log has grown past the threshold twice, the archive no longer
 * holds its beginning, and a node killed after that still restarts with every record (snapshot plus the log after
 * it).
 */
@Timeout(300)
class SnapshotPurgeIT
{
    private static final int SEGMENT_FILE = 16 * 1024 * 1024;

    @Test
    void theClusterLogIsPurgedBeforeTheSnapshotBeforeLastAndRestartKeepsEverything() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(1, List.of(
            "--snapshot-log-bytes", Integer.toString(4 * 1024 * 1024),
            "--archive-segment-file-length", Integer.toString(SEGMENT_FILE))))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("bulk", 2));
            }
            final String padding = "x".repeat(400);
            for (int round = 0; round < 4; round++)
            {
                Records.produce(members, "bulk", round + "-" + padding + "-", 50_000, 100);
                TestCluster.sleep(11_000);
            }

            final Path archive = cluster.dataDir(0).resolve("archive");
            final Map<Long, Long> firstSegmentByRecording = firstSegments(archive);
            final long logRecording = largestRecording(archive);
            assertTrue(firstSegmentByRecording.get(logRecording) > 0,
                "the log's first archive segment was purged: " + firstSegmentByRecording);

            final List<ConsumerRecord<String, String>> before = Records.readAll(members, "bulk");
            assertEquals(200_000, before.size());
            cluster.kill(0);
            cluster.restart(0);
            cluster.awaitLeader(Duration.ofSeconds(60));
            final List<ConsumerRecord<String, String>> after = Records.readAll(members, "bulk");
            assertEquals(before.size(), after.size());
            for (int i = 0; i < before.size(); i += 997)
            {
                assertEquals(before.get(i).value(), after.get(i).value());
                assertEquals(before.get(i).offset(), after.get(i).offset());
            }
        }
    }

    /**
     * @return per recording id, the base position of its first segment file ({@code <id>-<position>.rec}).
     */
    private static Map<Long, Long> firstSegments(final Path archive) throws IOException
    {
        final Map<Long, Long> first = new TreeMap<>();
        try (Stream<Path> files = Files.list(archive))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".rec")).toList())
            {
                final String[] parts = file.getFileName().toString().replace(".rec", "").split("-");
                first.merge(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Math::min);
            }
        }
        return first;
    }

    /**
     * @return the cluster log's recording: the one reaching furthest (snapshots are one short segment each).
     */
    private static long largestRecording(final Path archive) throws IOException
    {
        final Map<Long, Long> furthest = new TreeMap<>();
        try (Stream<Path> files = Files.list(archive))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".rec")).toList())
            {
                final String[] parts = file.getFileName().toString().replace(".rec", "").split("-");
                furthest.merge(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Math::max);
            }
        }
        return furthest.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }
}
