package io.tributary.log.internal.cluster;

import io.tributary.log.internal.storage.CompactionResult;
import io.tributary.log.internal.storage.PartitionLog;

/**
 * Applies a topic's delete policy to its partitions at one cluster time, identically on every node: the check runs on
 * a cluster timer, so it is an entry of the log that each node applies at the same position, and decides only from
 * the entry's time, the topic's config and the segments' bytes, which are the same everywhere.
 * <p>
 * In order, per partition: an active segment whose first record was appended {@code segment.ms} ago or more is
 * rolled, so old records cannot hide in it; then closed segments are deleted from the oldest while their newest
 * record is older than {@code retention.ms}, or while the partition is larger than {@code retention.bytes} even
 * without them (as Kafka). Only whole closed segments are ever deleted, and the start offset moves to the first
 * record left.
 * <p>
 * For a topic whose {@code cleanup.policy} contains {@code compact}, after the roll and before any deletion, the
 * closed segments are compacted by key ({@link PartitionLog#compact}) when at least {@link #MIN_DIRTY_RATIO} of their
 * records are superseded or expired tombstones. This runs synchronously here, in the timer event, so it happens at
 * the same log position with the same inputs on every node; it stalls this node's writes while it runs.
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
     * @return segments deleted.
     */
    static int apply(final TopicConfig config, final PartitionLog log, final long now)
    {
        final long firstAppend = log.activeSegmentFirstAppendTime();
        if (firstAppend >= 0 && now - firstAppend >= config.segmentMs())
        {
            log.rollActiveSegment();
        }
        if (config.cleanupPolicy().contains("compact"))
        {
            final CompactionResult result = log.compact(now, config.deleteRetentionMs(), MIN_DIRTY_RATIO);
            if (null != result)
            {
                LOGGER.log(System.Logger.Level.INFO, String.format(
                    "compacted %s: %d segments rewritten, %d records removed, %d -> %d bytes in %.1f ms (%.1f MB/s)",
                    log.directory().getFileName(), result.segmentsRewritten(), result.recordsRemoved(),
                    result.bytesRead(), result.bytesWritten(), result.nanos() / 1e6, result.megabytesPerSecond()));
            }
        }
        if (!config.cleanupPolicy().contains("delete"))
        {
            return 0;
        }

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
        log.deleteOldestSegments(deletable);
        return deletable;
    }
}
