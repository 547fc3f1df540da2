package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusterBackup;
import io.aeron.cluster.ClusterBackupEventsListener;
import io.aeron.cluster.ClusterMember;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.RecordingLog;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.FileTrees;
import org.agrona.ErrorHandler;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Rebuilds a node whose data directory is empty (a lost or wiped disk) from its peers, before its consensus module
 * starts. Aeron Cluster has no install-snapshot: a member that needs cluster log its peers purged after their
 * snapshots cannot catch up by itself. So, when a peer holds a snapshot:
 * <ol>
 *     <li>Aeron's {@link ClusterBackup} runs in this node's media driver and archive, on this node's own consensus
 *     and catch-up ports (idle until the consensus module starts): it copies the peers' latest snapshot and the
 *     cluster log after it into this node's archive and writes the recording log in this node's cluster directory,
 *     until its live copy of the log reaches the position the peers had applied when the rebuild began;</li>
 *     <li>the segment store is copied from a peer that has applied at least up to that snapshot
 *     ({@link PeerCopy}: every segment file, exactly, chunk by chunk with CRCs, the whole copy started again when
 *     the peer compacts or deletes a segment meanwhile), into {@code log.rebuild/}, then moved to {@code log/};</li>
 *     <li>the node then starts as after any restart: the service loads the snapshot and cuts every partition back
 *     to the snapshot's end offsets, replays the log after it (appending the same bytes its peers did), and
 *     follows the leader.</li>
 * </ol>
 * Without a peer snapshot nothing was purged (a node purges only before the older of two snapshots), so the node
 * joins as before and replays the whole log. A node that kept its data but whose log ends before what a peer still
 * holds ({@link #isBehindPeers}), or whose rebuild was cut short ({@link #isIncomplete}), discards its cluster state
 * and segments first and is then rebuilt the same way. The tiered archive directory ({@code --archive-dir}) is per node and
 * is not copied.
 */
final class NodeRebuild
{
    private static final System.Logger LOG = System.getLogger(NodeRebuild.class.getName());
    private static final long PROBE_NS = TimeUnit.SECONDS.toNanos(3);
    private static final long BACKUP_TIMEOUT_NS = TimeUnit.MINUTES.toNanos(10);
    private static final int COPY_ATTEMPTS = 8;

    private NodeRebuild()
    {
    }

    /** Present while a rebuild is under way: a node that finds it at start throws away what it holds and starts over. */
    private static final String INCOMPLETE_MARKER = "rebuild.incomplete";

    /**
     * @return true when a rebuild of this data directory began and did not finish (the node died or failed in it).
     */
    static boolean isIncomplete(final Path dataDir)
    {
        final boolean incomplete = Files.exists(dataDir.resolve(INCOMPLETE_MARKER));
        if (incomplete)
        {
            LOG.log(System.Logger.Level.WARNING, "a rebuild of {0} from peers did not finish: discarding what it " +
                "copied and starting it again", dataDir);
        }
        return incomplete;
    }

    /**
     * @return true when the data directory holds no cluster state: no recording log.
     */
    static boolean isEmpty(final Path dataDir)
    {
        return !Files.exists(dataDir.resolve("cluster").resolve(RecordingLog.RECORDING_LOG_FILE_NAME));
    }

    /**
     * @return true when this node holds cluster state whose log ends before the first position a peer still holds
     * (it purged the rest after its snapshots while this node was down): this node could not catch up from that
     * peer, so it starts over rather than depend on which node leads.
     */
    static boolean isBehindPeers(
        final TributaryNode.Context ctx, final Aeron aeron, final AeronArchive.Context localArchive)
    {
        if (ctx.members().size() < 2 || isEmpty(ctx.dataDir()))
        {
            return false;
        }
        final long recordingId;
        try (RecordingLog recordingLog = new RecordingLog(ctx.dataDir().resolve("cluster").toFile(), false))
        {
            recordingId = recordingLog.findLastTermRecordingId();
        }
        if (recordingId < 0)
        {
            return false;
        }
        final long logEnd = maxRecordedPosition(ctx, aeron, localArchive, recordingId);
        final List<PeerCopy.PeerStatus> statuses;
        try (PeerCopy peers = new PeerCopy(aeron, ctx.members(), ctx.nodeId(), ctx.security().nodeCredentials()))
        {
            statuses = probe(ctx, peers);
        }
        long peersStart = 0;
        for (final PeerCopy.PeerStatus status : statuses)
        {
            peersStart = Math.max(peersStart, status.logStartPosition());
        }
        if (logEnd >= 0 && logEnd < peersStart)
        {
            LOG.log(System.Logger.Level.WARNING, "node {0}: its cluster log ends at position {1} but its peers hold " +
                "the log only from {2} on (purged after their snapshots while this node was down): it cannot catch " +
                "up; discarding its cluster state and segments in {3} to rebuild from its peers",
                ctx.nodeId(), logEnd, peersStart, ctx.dataDir());
            return true;
        }
        return false;
    }

    /**
     * Ask this node's own archive, just started, where its recording of the cluster log ends. On a loaded machine the
     * archive may take longer than a client's message timeout to answer its first connect: a node restarting must
     * not die of that, so the connect is tried a few times.
     */
    private static long maxRecordedPosition(
        final TributaryNode.Context ctx, final Aeron aeron, final AeronArchive.Context localArchive,
        final long recordingId)
    {
        final int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            try (AeronArchive archive = AeronArchive.connect(localArchive.clone().aeron(aeron).ownsAeronClient(false)))
            {
                return archive.getMaxRecordedPosition(recordingId);
            }
            catch (final io.aeron.exceptions.TimeoutException ex)
            {
                if (attempt == attempts)
                {
                    throw ex;
                }
                LOG.log(System.Logger.Level.WARNING, "node {0}: its archive did not answer in time ({1}); trying " +
                    "again", ctx.nodeId(), ex.getMessage());
            }
        }
    }

    /**
     * Delete the cluster directory, the archived cluster log and the segment store, leaving an empty data directory
     * (the lock file stays: the node holds it).
     */
    static void discardClusterState(final Path dataDir)
    {
        for (final String dir : List.of("cluster", "archive", "log", "log.rebuild", INCOMPLETE_MARKER))
        {
            FileTrees.deleteRecursively(dataDir.resolve(dir));
        }
    }

    /**
     * Rebuild the node from its peers when its data directory is empty and a peer holds a snapshot.
     *
     * @return true when it was rebuilt.
     */
    static boolean rebuildIfNeeded(
        final TributaryNode.Context ctx,
        final Aeron aeron,
        final AeronArchive.Context localArchive,
        final ErrorHandler errorHandler)
    {
        if (ctx.members().size() < 2 || !isEmpty(ctx.dataDir()))
        {
            return false;
        }
        final int self = ctx.nodeId();
        FileTrees.deleteRecursively(ctx.dataDir().resolve("log.rebuild"));
        try (PeerCopy peers = new PeerCopy(aeron, ctx.members(), self, ctx.security().nodeCredentials()))
        {
            final List<PeerCopy.PeerStatus> statuses = probe(ctx, peers);
            long snapshotPosition = -1;
            long target = 0;
            for (final PeerCopy.PeerStatus status : statuses)
            {
                snapshotPosition = Math.max(snapshotPosition, status.snapshotPosition());
                target = Math.max(target, status.appliedPosition());
            }
            if (snapshotPosition < 0)
            {
                LOG.log(System.Logger.Level.INFO, "node {0}: data directory is empty; {1}: joining and replaying " +
                    "the whole cluster log", self, statuses.isEmpty() ? "no peer answered" : "no peer has a snapshot");
                return false;
            }

            final long startNs = System.nanoTime();
            LOG.log(System.Logger.Level.WARNING, "node {0}: data directory {1} is empty and peers hold a snapshot " +
                "(at log position {2}): REBUILDING this node from its peers: their latest snapshot and the cluster " +
                "log after it, then their segment files", self, ctx.dataDir(), snapshotPosition);
            final Path marker = ctx.dataDir().resolve(INCOMPLETE_MARKER);
            try
            {
                Files.createFile(marker);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            final long seededSnapshot = seedFromBackup(ctx, aeron, localArchive, errorHandler, target);
            final long backupNs = System.nanoTime() - startNs;
            final long copied = seededSnapshot < 0 ? 0 : copySegments(ctx, peers, seededSnapshot);
            if (seededSnapshot < 0)
            {
                LOG.log(System.Logger.Level.WARNING, "node {0}: the backup brought no snapshot; replaying the whole " +
                    "cluster log", self);
            }
            FileTrees.deleteRecursively(marker);
            LOG.log(System.Logger.Level.WARNING, "node {0}: REBUILT from peers in {1} ms (snapshot at log position " +
                "{2} and the log after it in {3} ms; {4} bytes of segments): starting",
                self, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), seededSnapshot,
                TimeUnit.NANOSECONDS.toMillis(backupNs), copied);
            return true;
        }
    }

    private static List<PeerCopy.PeerStatus> probe(final TributaryNode.Context ctx, final PeerCopy peers)
    {
        final List<PeerCopy.PeerStatus> statuses = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + PROBE_NS;
        for (final ClusterMembers.Member member : ctx.members().members())
        {
            if (member.id() == ctx.nodeId())
            {
                continue;
            }
            final PeerCopy.PeerStatus status = peers.status(
                member.id(), Math.max(TimeUnit.MILLISECONDS.toNanos(500), deadlineNs - System.nanoTime()));
            if (null != status)
            {
                statuses.add(status);
            }
        }
        return statuses;
    }

    /**
     * Run Aeron's ClusterBackup into this node's archive and cluster directory until it has a snapshot and the log
     * after it up to {@code targetPosition}.
     *
     * @return the log position of the snapshot in the recording log it wrote, -1 for none.
     */
    private static long seedFromBackup(
        final TributaryNode.Context ctx,
        final Aeron aeron,
        final AeronArchive.Context localArchive,
        final ErrorHandler errorHandler,
        final long targetPosition)
    {
        final ClusterMembers.Member self = ctx.members().member(ctx.nodeId());
        final StringBuilder consensusEndpoints = new StringBuilder();
        for (final ClusterMembers.Member member : ctx.members().members())
        {
            if (member.id() != ctx.nodeId())
            {
                if (consensusEndpoints.length() > 0)
                {
                    consensusEndpoints.append(',');
                }
                consensusEndpoints.append(member.endpoint(ClusterMembers.CONSENSUS_PORT_OFFSET));
            }
        }
        final File clusterDir = ctx.dataDir().resolve("cluster").toFile();
        final Progress progress = new Progress();
        final ClusterBackup.Context backupCtx = new ClusterBackup.Context()
            .credentialsSupplier(new io.tributary.log.internal.security.ScramCredentialsSupplier(
                ctx.security().nodeCredentials()))
            .aeronDirectoryName(aeron.context().aeronDirectoryName())
            .clusterDir(clusterDir)
            .deleteDirOnStart(true)
            .clusterConsensusEndpoints(consensusEndpoints.toString())
            .consensusChannel("aeron:udp?endpoint=" + self.endpoint(ClusterMembers.CONSENSUS_PORT_OFFSET))
            .catchupEndpoint(self.endpoint(ClusterMembers.CATCHUP_PORT_OFFSET))
            .sourceType(ClusterBackup.SourceType.ANY)
            .initialReplayStart(ClusterBackup.Configuration.ReplayStart.LATEST_SNAPSHOT)
            .clusterBackupCoolDownIntervalNs(TimeUnit.SECONDS.toNanos(1))
            .archiveContext(localArchive.clone())
            .clusterArchiveContext(new AeronArchive.Context()
                .controlRequestChannel("aeron:udp")
                .controlResponseChannel("aeron:udp?endpoint=" + self.host() + ":0"))
            .idleStrategySupplier(AeronSettings::idle)
            .eventsListener(progress)
            .errorHandler(errorHandler);

        long lastReportNs = System.nanoTime();
        final long deadlineNs = lastReportNs + BACKUP_TIMEOUT_NS;
        try (ClusterBackup backup = ClusterBackup.launch(backupCtx))
        {
            while (true)
            {
                final ClusterBackup.State state = ClusterBackup.State.get(backup.context().stateCounter().get());
                if (state == ClusterBackup.State.BACKING_UP && progress.hasSnapshot &&
                    progress.liveLogPosition >= targetPosition)
                {
                    break;
                }
                final long nowNs = System.nanoTime();
                if (nowNs - deadlineNs > 0)
                {
                    throw new IllegalStateException("node " + ctx.nodeId() + ": rebuilding from peers did not " +
                        "finish in " + TimeUnit.NANOSECONDS.toMinutes(BACKUP_TIMEOUT_NS) + " min (backup state " +
                        state + ", log copied to " + progress.liveLogPosition + " of " + targetPosition + ")");
                }
                if (nowNs - lastReportNs > TimeUnit.SECONDS.toNanos(10))
                {
                    lastReportNs = nowNs;
                    LOG.log(System.Logger.Level.INFO, "node {0}: rebuilding: backup {1}, log copied to {2} of {3}",
                        ctx.nodeId(), state, progress.liveLogPosition, targetPosition);
                }
                sleep(20);
            }
        }

        try (RecordingLog recordingLog = new RecordingLog(clusterDir, false))
        {
            final RecordingLog.Entry snapshot =
                recordingLog.getLatestSnapshot(ConsensusModule.Configuration.SERVICE_ID);
            return null == snapshot ? -1 : snapshot.logPosition;
        }
    }

    /**
     * Copy every segment file of a peer that has applied at least up to the snapshot, into {@code log.rebuild/},
     * and move it to {@code log/} when whole.
     *
     * @return bytes copied.
     */
    private static long copySegments(final TributaryNode.Context ctx, final PeerCopy peers, final long snapshotPosition)
    {
        final Path target = ctx.dataDir().resolve("log");
        final Path staging = ctx.dataDir().resolve("log.rebuild");
        RuntimeException last = null;
        for (int attempt = 0; attempt < COPY_ATTEMPTS; attempt++)
        {
            for (final ClusterMembers.Member member : ctx.members().members())
            {
                if (member.id() == ctx.nodeId())
                {
                    continue;
                }
                final PeerCopy.PeerStatus status = peers.status(member.id(), TimeUnit.SECONDS.toNanos(2));
                if (null == status || status.appliedPosition() < snapshotPosition)
                {
                    continue;
                }
                try
                {
                    FileTrees.deleteRecursively(staging);
                    Files.createDirectories(staging);
                    long bytes = 0;
                    final List<PeerCopy.ListedSegment> segments = peers.listSegments(member.id());
                    for (final PeerCopy.ListedSegment segment : segments)
                    {
                        final Path dir = staging.resolve(segment.directory());
                        Files.createDirectories(dir);
                        bytes += peers.copySegment(member.id(), segment,
                            dir.resolve(String.format("%020d.log", segment.baseOffset())));
                    }
                    FileTrees.deleteRecursively(target);
                    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                    LOG.log(System.Logger.Level.INFO, "node {0}: copied {1} segment files ({2} bytes) from node {3}",
                        ctx.nodeId(), segments.size(), bytes, member.id());
                    return bytes;
                }
                catch (final PeerCopy.CopyRestart ex)
                {
                    last = ex;
                    LOG.log(System.Logger.Level.INFO, "node {0}: segment copy from node {1} starts again: {2}",
                        ctx.nodeId(), member.id(), ex.getMessage());
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            }
            sleep(1000);
        }
        throw new IllegalStateException("node " + ctx.nodeId() + ": could not copy the segment store from a peer" +
            (null == last ? " (none has applied up to the snapshot)" : ": " + last.getMessage()), last);
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rebuilding", ex);
        }
    }

    /**
     * What the backup reports, read by the thread waiting for it.
     */
    private static final class Progress implements ClusterBackupEventsListener
    {
        volatile long liveLogPosition = -1;
        volatile boolean hasSnapshot;

        public void onBackupQuery()
        {
        }

        public void onPossibleFailure(final Exception ex)
        {
            LOG.log(System.Logger.Level.INFO, "rebuild backup: " + ex);
        }

        public void onBackupResponse(
            final ClusterMember[] clusterMembers,
            final ClusterMember logSourceMember,
            final List<RecordingLog.Snapshot> snapshotsToRetrieve)
        {
        }

        public void onUpdatedRecordingLog(
            final RecordingLog recordingLog, final List<RecordingLog.Snapshot> snapshotsRetrieved)
        {
            if (null != recordingLog.getLatestSnapshot(ConsensusModule.Configuration.SERVICE_ID))
            {
                hasSnapshot = true;
            }
        }

        public void onLiveLogProgress(final long recordingId, final long recordingPosCounterId, final long logPosition)
        {
            liveLogPosition = logPosition;
        }
    }
}
