package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.storage.LogConfig;
import io.tributary.log.internal.storage.PartitionLog;
import io.tributary.testing.TestCluster;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The segment copy protocol against a real fetch server over loopback UDP: a peer's segment files are listed and
 * copied to the same bytes; a segment deleted after the listing, or corrupt on the peer, makes the copy start again
 * rather than take wrong bytes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerCopyTest
{
    @TempDir
    Path dir;

    private MediaDriver driver;
    private Aeron aeron;
    private AgentRunner server;
    private PeerCopy peers;
    private PartitionLog log;
    private final PartitionRegistry registry = new PartitionRegistry();

    @BeforeEach
    void start()
    {
        final String aeronDir = AeronSettings.aeronDirectoryBase() + "/tributary-peercopy-" + System.nanoTime();
        driver = MediaDriver.launch(AeronSettings.mediaDriverContext(aeronDir));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
        final List<Integer> ports = TestCluster.freeBasePorts(2);
        final ClusterMembers members =
            ClusterMembers.parse("0=127.0.0.1:" + ports.get(0) + ",1=127.0.0.1:" + ports.get(1));

        log = PartitionLog.open(dir.resolve("peer/t-0"), new LogConfig(8192, 512));
        final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
        long offset = 0;
        for (int b = 0; b < 100; b++)
        {
            builder.reset(-1, 0);
            for (int r = 0; r < 5; r++)
            {
                builder.tryAppend(offset + r, null, ("value-" + (offset + r) + "-" + "y".repeat(b)).getBytes(), null);
            }
            log.append(builder.buffer(), 0, builder.finish(), 1000 + b);
            offset += 5;
        }
        registry.put("t", new PartitionLog[] {log});
        server = new AgentRunner(AeronSettings.idle(), Throwable::printStackTrace, null, new FetchServer(
            aeron, members.member(1).endpoint(ClusterMembers.FETCH_PORT_OFFSET), 1, registry));
        AgentRunner.startOnThread(server);
        peers = new PeerCopy(aeron, members, 0);
    }

    @AfterEach
    void stop()
    {
        CloseHelper.closeAll(peers, server, aeron, driver, log);
    }

    @Test
    void segmentsAreCopiedToTheSameBytesAndAChangedOrCorruptSegmentRestartsTheCopy() throws Exception
    {
        final PeerCopy.PeerStatus status = peers.status(1, TimeUnit.SECONDS.toNanos(10));
        assertNotNull(status);
        assertEquals(-1, status.snapshotPosition());

        final List<PeerCopy.ListedSegment> listed = peers.listSegments(1);
        assertEquals(log.segmentFiles().size(), listed.size());
        assertTrue(listed.size() > 5, "several segments: " + listed.size());
        final Path copies = Files.createDirectories(dir.resolve("copy"));
        for (final PeerCopy.ListedSegment segment : listed)
        {
            assertEquals("t", segment.topic());
            final Path copy = copies.resolve(segment.baseOffset() + ".log");
            assertEquals(segment.length(), peers.copySegment(1, segment, copy));
            final byte[] original = Files.readAllBytes(
                dir.resolve("peer/t-0").resolve(String.format("%020d.log", segment.baseOffset())));
            final byte[] copied = Files.readAllBytes(copy);
            assertArrayEquals(java.util.Arrays.copyOf(original, segment.length()), copied);
        }

        // Deleted by retention after the listing: refused, so the copy starts again.
        log.deleteOldestSegments(1);
        final PeerCopy.CopyRestart gone = assertThrows(PeerCopy.CopyRestart.class,
            () -> peers.copySegment(1, listed.get(0), copies.resolve("gone.log")));
        assertTrue(gone.getMessage().contains("replaced or deleted"), gone.getMessage());

        // Corrupt on the peer: its bytes arrive intact (chunk CRC) but fail their batch CRC, and are not taken.
        final PartitionLog.SegmentFile second = log.segmentFiles().get(0);
        assertTrue(log.overwriteSegmentFile(second.baseOffset(), second.id(), 100, new byte[] {7, 7, 7}, 0, 3));
        final PeerCopy.CopyRestart corrupt = assertThrows(PeerCopy.CopyRestart.class,
            () -> peers.copySegment(1, listed.get(1), copies.resolve("corrupt.log")));
        assertTrue(corrupt.getMessage().contains("bad batch"), corrupt.getMessage());
    }
}
