package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusterControl;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.RecordingLog;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a node's cluster log bounded: the leader asks for a snapshot once the log has grown by
 * {@code snapshotLogBytes} since the last one, or {@code snapshotIntervalNs} has passed with anything new; and every
 * node, once it holds two snapshots, purges its archived cluster log before the older of the two. Keeping one whole
 * snapshot interval of log lets a follower that was down briefly catch up from its peers' archives.
 * <p>
 * Snapshots are small (topics, offsets, producer state — never segment data), so taking one is cheap; the segment
 * store itself is the bulk of a node's disk and is bounded by retention.
 * <p>
 * Threading: an {@link Agent} on its own thread, outside the consensus duty cycle; reads the registry the service
 * publishes, the cluster's recording log, and talks to the local archive.
 */
final class ClusterMaintenance implements Agent
{
    private static final System.Logger LOG = System.getLogger(ClusterMaintenance.class.getName());
    private static final long CHECK_INTERVAL_NS = 1_000_000_000L;
    private static final long SNAPSHOT_REQUEST_COOL_DOWN_NS = 10_000_000_000L;

    private final Aeron aeron;
    private final PartitionRegistry registry;
    private final File clusterDir;
    private final AeronArchive.Context archiveContext;
    private final long snapshotLogBytes;
    private final long snapshotIntervalNs;
    private AeronArchive archive;
    private long nextCheckNs;
    private long lastSnapshotRequestNs;
    private long lastSeenSnapshotPosition = -1;
    private long lastSeenSnapshotNs = System.nanoTime();
    private long purgedTo;

    ClusterMaintenance(
        final Aeron aeron,
        final PartitionRegistry registry,
        final File clusterDir,
        final AeronArchive.Context archiveContext,
        final long snapshotLogBytes,
        final long snapshotIntervalNs)
    {
        this.aeron = aeron;
        this.registry = registry;
        this.clusterDir = clusterDir;
        this.archiveContext = archiveContext;
        this.snapshotLogBytes = snapshotLogBytes;
        this.snapshotIntervalNs = snapshotIntervalNs;
    }

    public String roleName()
    {
        return "tributary-cluster-maintenance";
    }

    public int doWork()
    {
        final long nowNs = System.nanoTime();
        if (nowNs < nextCheckNs)
        {
            return 0;
        }
        nextCheckNs = nowNs + CHECK_INTERVAL_NS;

        final long snapshotPosition = registry.lastSnapshotPosition();
        if (snapshotPosition != lastSeenSnapshotPosition)
        {
            lastSeenSnapshotPosition = snapshotPosition;
            lastSeenSnapshotNs = nowNs;
            purge();
        }
        if (registry.role() == io.aeron.cluster.service.Cluster.Role.LEADER.ordinal() && isSnapshotDue(nowNs))
        {
            requestSnapshot(nowNs);
        }
        return 1;
    }

    public void onClose()
    {
        CloseHelper.quietClose(archive);
    }

    private boolean isSnapshotDue(final long nowNs)
    {
        if (nowNs - lastSnapshotRequestNs < SNAPSHOT_REQUEST_COOL_DOWN_NS)
        {
            return false;
        }
        final long growth = registry.appliedLogPosition() - Math.max(0, registry.lastSnapshotPosition());
        return growth >= snapshotLogBytes || (growth > 0 && nowNs - lastSeenSnapshotNs >= snapshotIntervalNs);
    }

    private void requestSnapshot(final long nowNs)
    {
        final AtomicCounter toggle = ClusterControl.findControlToggle(aeron.countersReader(), 0);
        if (toggle == null)
        {
            return;
        }
        try
        {
            if (ClusterControl.ToggleState.SNAPSHOT.toggle(toggle))
            {
                lastSnapshotRequestNs = nowNs;
                LOG.log(System.Logger.Level.INFO, "snapshot requested at log position {0}",
                    registry.appliedLogPosition());
            }
        }
        finally
        {
            toggle.disconnectCountersManager();
            toggle.close();
        }
    }

    /**
     * Purge the archived cluster log before the second newest snapshot, to the archive's segment granularity.
     */
    private void purge()
    {
        try
        {
            final long purgePosition;
            final long recordingId;
            try (RecordingLog recordingLog = new RecordingLog(clusterDir, false))
            {
                final List<Long> snapshotPositions = new ArrayList<>();
                for (final RecordingLog.Entry entry : recordingLog.entries())
                {
                    if (entry.type == RecordingLog.ENTRY_TYPE_SNAPSHOT && entry.isValid &&
                        entry.serviceId == ConsensusModule.Configuration.SERVICE_ID)
                    {
                        snapshotPositions.add(entry.logPosition);
                    }
                }
                snapshotPositions.sort(Long::compare);
                purgePosition = snapshotPositions.size() < 2 ? -1 : snapshotPositions.get(snapshotPositions.size() - 2);
                recordingId = recordingLog.findLastTermRecordingId();
            }
            if (recordingId < 0)
            {
                return;
            }
            if (archive == null)
            {
                archive = AeronArchive.connect(archiveContext.clone().aeron(aeron).ownsAeronClient(false));
            }
            final long startPosition = archive.getStartPosition(recordingId);
            // Peers read it (NodeStatus) to tell whether a node that was down long can still catch up from them.
            registry.logStartPosition(startPosition);
            if (purgePosition < 0 || purgePosition <= purgedTo)
            {
                return;
            }

            final int[] lengths = new int[2];
            archive.listRecording(recordingId,
                (controlSessionId, correlationId, id, startTimestamp, stopTimestamp, start, stop, initialTermId,
                segmentFileLength, termBufferLength, mtuLength, sessionId, streamId, strippedChannel, originalChannel,
                sourceIdentity) ->
                {
                    lengths[0] = termBufferLength;
                    lengths[1] = segmentFileLength;
                });
            final long newStart = AeronArchive.segmentFileBasePosition(
                startPosition, purgePosition, lengths[0], lengths[1]);
            if (newStart > startPosition)
            {
                archive.purgeSegments(recordingId, newStart);
                registry.logStartPosition(newStart);
                LOG.log(System.Logger.Level.INFO, "purged the cluster log before position {0} (snapshot at {1})",
                    newStart, purgePosition);
            }
            purgedTo = purgePosition;
        }
        catch (final RuntimeException ex)
        {
            // The next snapshot tries again; a node that cannot purge only keeps more log than it needs.
            LOG.log(System.Logger.Level.WARNING, "cluster log purge failed: " + ex, ex);
            CloseHelper.quietClose(archive);
            archive = null;
        }
    }
}
