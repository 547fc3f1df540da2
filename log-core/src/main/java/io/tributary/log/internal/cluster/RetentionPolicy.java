package io.tributary.log.internal.cluster;

import io.tributary.log.internal.storage.ArchivedLog;
import io.tributary.log.internal.storage.CompactionResult;
import io.tributary.log.internal.storage.PartitionLog;

import java.util.concurrent.Executor;

/**
 * Applies a topic's cleanup policy to its partitions at one cluster time, identically on every node: the check runs on
 * a cluster timer, so it is an entry of the log that each node applies at the same position, and decides only from
 * the entry's time, the topic's config and the segments' bytes, which are the same everywhere.
 * <p>
 * In order, per partition:
 * <ol>
 *     <li>the compaction the previous check started, if any, is swapped in ({@link PartitionLog#completeCompaction}),
 *     waiting for the cleaner if it is not done yet;</li>
 *     <li>an active segment whose first record was appended {@code segment.ms} ago or more is rolled, so old records
 *     cannot hide in it;</li>
 *     <li>with {@code remote.storage.enable=true} and an archive on this node: closed segments not yet archived are
 *     handed to the cleaner to be copied there, and the deletions below wait for the copies of what they delete
 *     (node-local work: it changes no replicated bytes);</li>
 *     <li>with {@code cleanup.policy} containing {@code delete}: closed segments are deleted from the oldest while
 *     their newest record is older than {@code retention.ms}, or while the partition is larger than
 *     {@code retention.bytes} even without them (as Kafka). Only whole closed segments are ever deleted, and the
 *     start offset moves to the first record left;</li>
 *     <li>with {@code cleanup.policy} containing {@code compact}: a compaction of the closed segments by key is
 *     started on the node's cleaner thread ({@link PartitionLog#startCompaction}), with its input frozen now. It
 *     rewrites them when at least {@link #MIN_DIRTY_RATIO} of their records are superseded or expired tombstones, and
 *     its output is swapped in by the next check (step 1).</li>
 * </ol>
 * Archived segments older than {@code archive.retention.ms} and no longer held locally are then deleted from the
 * archive by the cleaner.
 * <p>
 * So the segments change only at checks, which are log positions, and a compaction's output depends only on what its
 * check froze: every node, and a node replaying its log, holds the same bytes after each check, while the cleaner's
 * work overlaps the appends between two checks instead of stalling them.
 * <p>
 * Threading: the service thread only.
 */
final class RetentionPolicy
{
    static final double MIN_DIRTY_RATIO = 0.5;

    private static final System.Logger LOGGER = System.getLogger(RetentionPolicy.class.getName());

    private RetentionPolicy()
    {
    }

    /**
     * @param cleaner runs compactions off the service thread.
     * @return segments deleted.
     */
    static int apply(final TopicConfig config, final PartitionLog log, final long now, final Executor cleaner)
    {
        final CompactionResult result = log.completeCompaction();
        if (null != result)
        {
            LOGGER.log(System.Logger.Level.INFO, String.format(
                "compacted %s: %d segments rewritten, %d records removed, %d -> %d bytes in %.1f ms on the cleaner " +
                "(%.1f MB/s); swapped in after waiting %.1f ms, in %.1f ms",
                log.directory().getFileName(), result.segmentsRewritten(), result.recordsRemoved(),
                result.bytesRead(), result.bytesWritten(), result.nanos() / 1e6, result.megabytesPerSecond(),
                result.waitNanos() / 1e6, result.swapNanos() / 1e6));
        }
        final long firstAppend = log.activeSegmentFirstAppendTime();
        if (firstAppend >= 0 && now - firstAppend >= config.segmentMs())
        {
            log.rollActiveSegment();
        }

        final ArchivedLog archive = config.remoteStorage() ? log.archive() : null;
        if (null != archive)
        {
            log.archiveClosedSegments(cleaner);
        }
        int deletable = 0;
        if (config.cleanupPolicy().contains("delete"))
        {
            deletable = deletableSegments(config, log, now);
            if (null != archive)
            {
                log.awaitArchived(deletable);
            }
            log.deleteOldestSegments(deletable);
        }
        if (null != archive && config.archiveRetentionMs() >= 0)
        {
            final long localStart = log.startOffset();
            cleaner.execute(() -> archive.expire(now, config.archiveRetentionMs(), localStart));
        }
        if (config.cleanupPolicy().contains("compact"))
        {
            log.startCompaction(now, config.deleteRetentionMs(), MIN_DIRTY_RATIO, cleaner);
        }
        return deletable;
    }

    private static int deletableSegments(final TopicConfig config, final PartitionLog log, final long now)
    {
        int deletable = 0;
        final int closed = log.closedSegmentCount();
        if (config.retentionMs() >= 0)
        {
            while (deletable < closed && (log.segmentMaxTimestamp(deletable) == Long.MIN_VALUE ||
                now - log.segmentMaxTimestamp(deletable) > config.retentionMs()))
            {
                deletable++;
            }
        }
        if (config.retentionBytes() >= 0)
        {
            long size = log.sizeInBytes();
            for (int i = 0; i < deletable; i++)
            {
                size -= log.segmentSize(i);
            }
            while (deletable < closed && size - log.segmentSize(deletable) >= config.retentionBytes())
            {
                size -= log.segmentSize(deletable);
                deletable++;
            }
        }
        return deletable;
    }
}
