package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A segment corrupted on one node's disk (a bit flipped under a running node) is never served: that node refuses
 * the batch with a checksum error, and a consumer reading from the cluster gets every record, intact, from another
 * node. The node repairs the segment from a peer's copy, to the same bytes, and serves it again; a segment corrupted
 * while the node was down is found by the scan after it starts and repaired the same way.
 */
@Tag("fault")
@Timeout(300)
class CorruptSegmentIT
{
    @Test
    void aCorruptBatchIsRefusedByItsNodeAndReadFromAnother() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(3))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("fragile", 1, Map.of("segment.bytes", "65536")));
            }
            Records.produce(members, "fragile", "v-", 5_000, 50);
            final List<ConsumerRecord<String, String>> expected = Records.readAll(members, "fragile");
            for (int node = 0; node < 3; node++)
            {
                cluster.awaitCaughtUp(node, "fragile", Duration.ofSeconds(60));
            }

            final Path segment = cluster.dataDir(0).resolve("log/fragile-0/00000000000000000000.log");
            flipByteAt(segment, 200);

            final String node0 = ClusterMembers.parse(members).only(0);
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(node0).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build()))
            {
                consumer.assign(List.of(new TopicPartition("fragile", 0)));
                final TributaryException ex = assertThrows(TributaryException.class, () ->
                {
                    for (int i = 0; i < 50; i++)
                    {
                        consumer.poll(Duration.ofMillis(200));
                    }
                });
                assertEquals(ErrorCode.CORRUPT_BATCH, ex.errorCode());
                assertTrue(ex.getMessage().contains("failed its checksum on node 0"), ex.getMessage());
            }

            // A client of the whole cluster tries node 0 first, and is sent on to another.
            assertSameRecords(expected, Records.readAll(members, "fragile"));

            // Node 0 repairs its copy from a peer's: same bytes, served again, and counted.
            final Path peerSegment = cluster.dataDir(1).resolve("log/fragile-0/00000000000000000000.log");
            awaitSameBytes(segment, peerSegment, cluster, 0);
            assertSameRecords(expected, Records.readAll(node0, "fragile"));
            try (Admin admin = Admin.create(members))
            {
                final NodeStatus status = admin.clusterStatus().stream()
                    .filter(s -> s.nodeId() == 0).findFirst().orElseThrow();
                assertEquals(1, status.corruptBatches(), status.toString());
                assertEquals(1, status.repairedSegments(), status.toString());
            }

            // Corrupted while the node is down: found by the scan after it starts, repaired before any read.
            // (after a snapshot: a node restarted without one rebuilds its segments from the log instead)
            assertTrue(cluster.snapshot(cluster.awaitLeader(Duration.ofSeconds(30))));
            cluster.awaitSnapshotRecorded(0, Duration.ofSeconds(30));
            cluster.kill(0);
            flipByteAt(segment, 300);
            cluster.restart(0);
            awaitSameBytes(segment, peerSegment, cluster, 0);
            cluster.awaitCaughtUp(0, "fragile", Duration.ofSeconds(60));
            assertSameRecords(expected, Records.readAll(node0, "fragile"));
            assertTrue(cluster.log(0).contains("found by the scan after start"), cluster.log(0));
        }
    }

    private static void flipByteAt(final Path file, final long position) throws Exception
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte)(one.get(0) ^ 0x10)).rewind();
            channel.write(one, position);
        }
    }

    private static void awaitSameBytes(final Path file, final Path peerFile, final TestCluster cluster, final int node)
        throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file) || !Arrays.equals(Files.readAllBytes(file), Files.readAllBytes(peerFile)))
        {
            assertTrue(System.nanoTime() < deadline, () -> file + " was not repaired to " + peerFile +
                "'s bytes (exists: " + Files.exists(file) + "); node " + node + "'s log:\n" + cluster.log(node));
            TestCluster.sleep(200);
        }
    }

    private static void assertSameRecords(
        final List<ConsumerRecord<String, String>> expected, final List<ConsumerRecord<String, String>> read)
    {
        assertEquals(expected.size(), read.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertEquals(expected.get(i).value(), read.get(i).value());
            assertEquals(expected.get(i).offset(), read.get(i).offset());
        }
    }
}
