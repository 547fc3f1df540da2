package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A follower whose data directory is wiped after its peers purged the cluster log before their snapshots (so the
 * log alone can no longer rebuild it) rejoins by copying the snapshot, the log after it and the segment files from
 * its peers: it ends with segment files identical to theirs, serves reads, follows later writes, and counts in the
 * quorum when another node dies.
 */
@Tag("fault")
@Timeout(600)
class RebuildIT
{
    private static final String TOPIC = "rebuilt";
    private static final int SEGMENT_FILE = 16 * 1024 * 1024;

    @Test
    void aWipedFollowerIsRebuiltFromItsPeersAfterTheyPurgedTheLog() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(3, List.of(
            "--snapshot-log-bytes", Integer.toString(4 * 1024 * 1024),
            "--archive-segment-file-length", Integer.toString(SEGMENT_FILE))))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(TOPIC, 2, Map.of("segment.bytes", Integer.toString(1024 * 1024))));
            }
            final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            final int follower = (leader + 1) % 3;
            final int other = (leader + 2) % 3;

            // Enough log, and snapshots after it, for the leader and the other follower to purge its beginning.
            final String padding = "x".repeat(400);
            int round = 0;
            while (!purged(cluster.dataDir(leader)) || !purged(cluster.dataDir(other)))
            {
                assertTrue(round < 8, "the cluster log was not purged after " + round + " rounds");
                Records.produce(members, TOPIC, round + "-" + padding + "-", 20_000, 100);
                cluster.snapshot(leader);
                round++;
            }

            cluster.kill(follower);
            TestCluster.deleteRecursively(cluster.dataDir(follower));
            Records.produce(members, TOPIC, "after-wipe-", 5_000, 100);
            cluster.restart(follower);
            cluster.awaitCaughtUp(follower, TOPIC, Duration.ofSeconds(180));
            assertTrue(cluster.log(follower).contains("REBUILT from peers"), cluster.log(follower));
            awaitIdenticalStores(cluster, Duration.ofSeconds(60));

            final List<ConsumerRecord<String, String>> all = Records.readAll(members, TOPIC);
            final List<ConsumerRecord<String, String>> fromRebuilt =
                Records.readAll(ClusterMembers.parse(members).only(follower), TOPIC);
            assertEquals(all.size(), fromRebuilt.size());
            for (int i = 0; i < all.size(); i += 101)
            {
                assertEquals(all.get(i).offset(), fromRebuilt.get(i).offset());
                assertEquals(all.get(i).value(), fromRebuilt.get(i).value());
            }

            Records.produce(members, TOPIC, "later-", 5_000, 100);
            cluster.awaitCaughtUp(follower, TOPIC, Duration.ofSeconds(60));
            awaitIdenticalStores(cluster, Duration.ofSeconds(60));

            // Without the other follower, the rebuilt node is needed for every write to be committed.
            cluster.kill(other);
            cluster.awaitLeader(Duration.ofSeconds(60));
            final List<RecordMetadata> acked = Records.produce(members, TOPIC, "quorum-", 2_000, 100);
            assertEquals(2_000, acked.size());
            cluster.awaitCaughtUp(follower, TOPIC, Duration.ofSeconds(60));
            assertEquals(all.size() + 7_000,
                Records.readAll(ClusterMembers.parse(members).only(follower), TOPIC).size());
        }
    }

    @Test
    void aFollowerDownWhileItsPeersPurgedTheLogItNeedsStartsOverFromThem() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(3, List.of(
            "--snapshot-log-bytes", Integer.toString(4 * 1024 * 1024),
            "--archive-segment-file-length", Integer.toString(SEGMENT_FILE))))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(TOPIC, 2, Map.of("segment.bytes", Integer.toString(1024 * 1024))));
            }
            final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            final int follower = (leader + 1) % 3;
            final int other = (leader + 2) % 3;
            Records.produce(members, TOPIC, "before-", 5_000, 100);
            cluster.awaitCaughtUp(follower, TOPIC, Duration.ofSeconds(60));
            cluster.kill(follower);

            final String padding = "x".repeat(400);
            int round = 0;
            while (!purged(cluster.dataDir(leader)) || !purged(cluster.dataDir(other)))
            {
                assertTrue(round < 8, "the cluster log was not purged after " + round + " rounds");
                Records.produce(members, TOPIC, round + "-" + padding + "-", 20_000, 100);
                cluster.snapshot(leader);
                round++;
            }

            cluster.restart(follower);
            cluster.awaitCaughtUp(follower, TOPIC, Duration.ofSeconds(180));
            final String log = cluster.log(follower);
            assertTrue(log.contains("cannot catch up; discarding") && log.contains("REBUILT from peers"), log);
            awaitIdenticalStores(cluster, Duration.ofSeconds(60));
            assertEquals(Records.readAll(members, TOPIC).size(),
                Records.readAll(ClusterMembers.parse(members).only(follower), TOPIC).size());

            // A rebuild cut short (the node died in it) leaves its marker: the next start discards and starts over.
            cluster.kill(follower);
            Files.createFile(cluster.dataDir(follower).resolve("rebuild.incomplete"));
            Records.produce(members, TOPIC, "while-down-", 2_000, 100);
            cluster.restart(follower);
            cluster.awaitCaughtUp(follower, TOPIC, Duration.ofSeconds(180));
            assertTrue(cluster.log(follower).contains("did not finish: discarding"), cluster.log(follower));
            assertTrue(!Files.exists(cluster.dataDir(follower).resolve("rebuild.incomplete")));
            awaitIdenticalStores(cluster, Duration.ofSeconds(60));
        }
    }

    /**
     * @return true when the node's archived cluster log no longer starts at position 0.
     */
    static boolean purged(final Path dataDir) throws IOException
    {
        final Map<Long, Long> first = new TreeMap<>();
        final Map<Long, Long> last = new TreeMap<>();
        try (Stream<Path> files = Files.list(dataDir.resolve("archive")))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".rec")).toList())
            {
                final String[] parts = file.getFileName().toString().replace(".rec", "").split("-");
                first.merge(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Math::min);
                last.merge(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Math::max);
            }
        }
        final long log = last.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        return first.get(log) > 0;
    }

    static void awaitIdenticalStores(final TestCluster cluster, final Duration timeout) throws IOException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        String difference = "";
        while (System.nanoTime() < deadline)
        {
            difference = "";
            Map<String, byte[]> first = null;
            for (int node = 0; node < 3 && difference.isEmpty(); node++)
            {
                if (!cluster.isRunning(node))
                {
                    continue;
                }
                final Map<String, byte[]> files = segmentFiles(cluster.dataDir(node));
                if (null == first)
                {
                    first = files;
                }
                else if (!first.keySet().equals(files.keySet()))
                {
                    difference = "node " + node + " has " + files.keySet() + ", others " + first.keySet();
                }
                else
                {
                    for (final Map.Entry<String, byte[]> e : first.entrySet())
                    {
                        if (!Arrays.equals(e.getValue(), files.get(e.getKey())))
                        {
                            difference = e.getKey() + " differs on node " + node;
                            break;
                        }
                    }
                }
            }
            if (difference.isEmpty())
            {
                return;
            }
            TestCluster.sleep(500);
        }
        fail("the nodes' segment stores differ: " + difference);
    }

    static Map<String, byte[]> segmentFiles(final Path dataDir) throws IOException
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
                            catch (final NoSuchFileException ex)
                            {
                                // deleted while listing
                            }
                        }
                    }
                }
            }
        }
        return files;
    }
}
