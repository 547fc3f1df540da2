package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.tributary.log.internal.record.RecordBatches;
import io.tributary.log.internal.storage.FetchSlice;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * Repairs segment bytes that fail their checksums on this node from a peer's copy of the same bytes.
 * <p>
 * What is repaired: every batch the fetch server refused with {@code CORRUPT_BATCH} (it reports them), and every
 * corrupt batch found by one scan of all segments after the node starts. The fetch server checks every batch's CRC
 * before serving it, so a bad batch is never served, before or during the repair.
 * <p>
 * How: the segment holding the batch is read from a peer in chunks ({@link PeerCopy}: CRC per chunk), the peer's
 * bytes are checked batch by batch against their own CRCs, and each peer batch whose bytes differ from this node's
 * at the same position is written over them in place. The peer must hold the same segment: same base offset, and for
 * a closed segment the same length (a compaction on one node and not yet on the other changes it). Segment stores are
 * identical byte for byte across nodes for the same offsets, so the result is the peer's bytes exactly. A segment no
 * peer can repair stays refused and is logged; the next read of it reports it again.
 * <p>
 * Threading: an {@link Agent} on its own thread; talks to peers' fetch servers and writes only inside the published
 * length of closed or active segments, never where the service thread appends.
 */
final class SegmentRepair implements Agent
{
    private final io.tributary.log.Credentials credentials;
    private static final System.Logger LOG = System.getLogger(SegmentRepair.class.getName());
    private static final long START_SCAN_DELAY_NS = 5_000_000_000L;

    private final Aeron aeron;
    private final ClusterMembers members;
    private final int nodeId;
    private final PartitionRegistry registry;
    private final FetchSlice slice = new FetchSlice();
    private final long startNs = System.nanoTime();
    private PeerCopy peers;
    /** Segments still to scan at start, as {topic, partition, baseOffset}; null until the scan is planned. */
    private ArrayDeque<Object[]> toScan;

    SegmentRepair(final Aeron aeron, final ClusterMembers members, final int nodeId, final PartitionRegistry registry,
        final io.tributary.log.Credentials credentials)
    {
        this.credentials = credentials;
        this.aeron = aeron;
        this.members = members;
        this.nodeId = nodeId;
        this.registry = registry;
    }

    public String roleName()
    {
        return "tributary-segment-repair-" + nodeId;
    }

    public void onStart()
    {
        if (members.size() > 1)
        {
            peers = new PeerCopy(aeron, members, nodeId, credentials);
        }
    }

    public void onClose()
    {
        CloseHelper.quietClose(peers);
    }

    public int doWork()
    {
        if (null == peers)
        {
            return 0;
        }
        final PartitionRegistry.CorruptBatch report = registry.pollCorrupt();
        if (null != report)
        {
            try
            {
                repair(report);
            }
            finally
            {
                registry.corruptHandled(report);
            }
            return 1;
        }
        return scanNext();
    }

    /**
     * Check one segment of the scan that follows the start, once the service has loaded its partitions.
     */
    private int scanNext()
    {
        if (null == toScan)
        {
            if (registry.role() < 0 || System.nanoTime() - startNs < START_SCAN_DELAY_NS)
            {
                return 0;
            }
            toScan = new ArrayDeque<>();
            for (final Map.Entry<String, PartitionLog[]> topic : registry.topics().entrySet())
            {
                for (int p = 0; p < topic.getValue().length; p++)
                {
                    for (final PartitionLog.SegmentFile file : topic.getValue()[p].segmentFiles())
                    {
                        toScan.add(new Object[] {topic.getKey(), p, file.baseOffset()});
                    }
                }
            }
        }
        final Object[] next = toScan.poll();
        if (null == next)
        {
            return 0;
        }
        final String topic = (String)next[0];
        final int partition = (Integer)next[1];
        final PartitionLog log = partition(topic, partition);
        final PartitionLog.SegmentFile file = null == log ? null : segmentAt(log, (Long)next[2]);
        if (null != file && firstBadBatch(log, file) >= 0)
        {
            LOG.log(System.Logger.Level.WARNING, "node {0}: segment {1} of {2}-{3} holds a batch failing its " +
                "checksum (found by the scan after start); it is refused to readers and repaired from a peer",
                nodeId, file.baseOffset(), topic, partition);
            registry.reportCorrupt(new PartitionRegistry.CorruptBatch(topic, partition, file.baseOffset()));
        }
        return 1;
    }

    private void repair(final PartitionRegistry.CorruptBatch report)
    {
        final PartitionLog log = partition(report.topic(), report.partition());
        if (null == log)
        {
            return;
        }
        final PartitionLog.SegmentFile local = segmentAt(log, report.offset());
        if (null == local)
        {
            return;
        }
        final int bad = firstBadBatch(log, local);
        if (bad < 0)
        {
            return;
        }
        final String name = "segment " + local.baseOffset() + " of " + report.topic() + "-" + report.partition();
        LOG.log(System.Logger.Level.WARNING, "node {0}: {1} fails its checksum at byte {2}: repairing it from a peer",
            nodeId, name, bad);
        final List<PartitionLog.SegmentFile> files = log.segmentFiles();
        final boolean active = files.get(files.size() - 1).baseOffset() == local.baseOffset();
        String lastProblem = "no peer answered";
        for (final ClusterMembers.Member member : members.members())
        {
            if (member.id() == nodeId)
            {
                continue;
            }
            try
            {
                final PeerCopy.ListedSegment theirs = find(peers.listSegments(member.id()), report, local);
                if (null == theirs)
                {
                    lastProblem = "node " + member.id() + " does not hold it";
                    continue;
                }
                if (active ? theirs.length() < local.length() : theirs.length() != local.length())
                {
                    lastProblem = "node " + member.id() + " holds " + theirs.length() + " bytes of it, this node " +
                        local.length();
                    continue;
                }
                final int rewritten = rewriteFrom(member.id(), log, local, theirs);
                if (firstBadBatch(log, local) < 0)
                {
                    registry.segmentRepaired();
                    LOG.log(System.Logger.Level.WARNING, "node {0}: repaired {1} from node {2} ({3} bytes rewritten)",
                        nodeId, name, member.id(), rewritten);
                    return;
                }
                lastProblem = "still failing its checksum after copying node " + member.id() + "'s bytes";
            }
            catch (final PeerCopy.CopyRestart ex)
            {
                lastProblem = ex.getMessage();
            }
        }
        LOG.log(System.Logger.Level.ERROR, "node {0}: could not repair {1} ({2}); its bad batches stay refused to " +
            "readers, who read them from other nodes", nodeId, name, lastProblem);
    }

    /**
     * Read the peer's copy of the segment up to this node's length, check each of its batches, and write over every
     * batch whose bytes differ here.
     *
     * @return bytes rewritten.
     */
    private int rewriteFrom(
        final int peerId, final PartitionLog log, final PartitionLog.SegmentFile local, final PeerCopy.ListedSegment theirs)
    {
        byte[] carry = new byte[0];
        int carryAt = 0;
        int position = 0;
        int rewritten = 0;
        while (position < local.length())
        {
            final byte[] chunk = peers.readChunk(peerId, theirs, position, local.length() - position);
            final byte[] bytes = new byte[carry.length + chunk.length];
            System.arraycopy(carry, 0, bytes, 0, carry.length);
            System.arraycopy(chunk, 0, bytes, carry.length, chunk.length);
            position += chunk.length;

            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            int at = 0;
            while (bytes.length - at >= RecordBatches.CRC_START_OFFSET)
            {
                final int batchLength = RecordBatches.batchLength(buffer, at);
                if (batchLength < RecordBatches.CRC_START_OFFSET)
                {
                    throw new PeerCopy.CopyRestart("node " + peerId + "'s copy holds a bad batch");
                }
                if (at + batchLength > bytes.length)
                {
                    break;
                }
                if (RecordBatches.computeCrc(buffer, at, batchLength) != RecordBatches.crc(buffer, at))
                {
                    throw new PeerCopy.CopyRestart("node " + peerId + "'s copy fails its checksum too");
                }
                final int filePosition = carryAt + at;
                if (!sameBytes(log, local, filePosition, buffer, at, batchLength))
                {
                    if (!log.overwriteSegmentFile(local.baseOffset(), local.id(), filePosition, bytes, at, batchLength))
                    {
                        throw new PeerCopy.CopyRestart("the segment changed on this node during the repair");
                    }
                    rewritten += batchLength;
                }
                at += batchLength;
            }
            carry = java.util.Arrays.copyOfRange(bytes, at, bytes.length);
            carryAt += at;
        }
        if (carry.length > 0)
        {
            throw new PeerCopy.CopyRestart("node " + peerId + "'s copy ends inside a batch");
        }
        return rewritten;
    }

    private boolean sameBytes(
        final PartitionLog log,
        final PartitionLog.SegmentFile local,
        final int position,
        final DirectBuffer theirs,
        final int theirsOffset,
        final int length)
    {
        if (!log.readSegmentFile(local.baseOffset(), local.id(), position, length, slice) || slice.length() != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (slice.buffer().getByte(slice.offset() + i) != theirs.getByte(theirsOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the byte position of the first batch failing its CRC (or not whole), -1 when every batch is good.
     */
    private int firstBadBatch(final PartitionLog log, final PartitionLog.SegmentFile file)
    {
        if (!log.readSegmentFile(file.baseOffset(), file.id(), 0, Integer.MAX_VALUE, slice))
        {
            return -1;
        }
        final DirectBuffer buffer = slice.buffer();
        final int start = slice.offset();
        final int length = slice.length();
        int position = 0;
        while (position < length)
        {
            if (length - position < RecordBatches.CRC_START_OFFSET)
            {
                return position;
            }
            final int batchLength = RecordBatches.batchLength(buffer, start + position);
            if (batchLength < RecordBatches.CRC_START_OFFSET || position + batchLength > length ||
                RecordBatches.computeCrc(buffer, start + position, batchLength) !=
                RecordBatches.crc(buffer, start + position))
            {
                return position;
            }
            position += batchLength;
        }
        return -1;
    }

    private PartitionLog partition(final String topic, final int partition)
    {
        final PartitionLog[] logs = registry.partitions(topic);
        return null == logs || partition < 0 || partition >= logs.length ? null : logs[partition];
    }

    /**
     * @return the segment holding {@code offset}: the last whose base offset is at or below it, else the first.
     */
    private static PartitionLog.SegmentFile segmentAt(final PartitionLog log, final long offset)
    {
        PartitionLog.SegmentFile found = null;
        for (final PartitionLog.SegmentFile file : log.segmentFiles())
        {
            if (null == found || file.baseOffset() <= offset)
            {
                found = file;
            }
        }
        return found;
    }

    private static PeerCopy.ListedSegment find(
        final List<PeerCopy.ListedSegment> listed,
        final PartitionRegistry.CorruptBatch report,
        final PartitionLog.SegmentFile local)
    {
        for (final PeerCopy.ListedSegment segment : listed)
        {
            if (segment.topic().equals(report.topic()) && segment.partition() == report.partition() &&
                segment.baseOffset() == local.baseOffset())
            {
                return segment;
            }
        }
        return null;
    }
}
