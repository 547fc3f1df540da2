package io.tributary.log.internal.cluster;

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
 * Threading: the service thread only.
 */
final class RetentionPolicy
{
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
        if (!config.cleanupPolicy().contains("delete"))
        {
            return 0;
        }

        int deletable = 0;
        final int closed = log.closedSegmentCount();
        if (config.retentionMs() >= 0)
        {
            while (deletable < closed && now - log.segmentMaxTimestamp(deletable) > config.retentionMs())
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
