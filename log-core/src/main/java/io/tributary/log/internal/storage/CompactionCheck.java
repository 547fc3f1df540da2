package io.tributary.log.internal.storage;

/**
 * The frozen input of one compaction ({@link PartitionLog#startCompaction}): everything its output depends on
 * besides the segments' bytes, so that the same check gives the same segments on every node and after a restart.
 *
 * @param closedEnd         segments whose base offset is below this are compacted (the active segment's base offset
 *                          at the check).
 * @param evidenceEnd       the partition's end offset at the check: only records below it decide what is newest.
 * @param now               cluster time of the check, epoch ms.
 * @param deleteRetentionMs how long a tombstone survives after its batch's append time.
 * @param minDirtyRatio     the share of the compacted segments' records that must be removable for anything to be
 *                          rewritten.
 */
public record CompactionCheck(
    long closedEnd, long evidenceEnd, long now, long deleteRetentionMs, double minDirtyRatio)
{
}
