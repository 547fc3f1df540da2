package io.tributary.log;

/**
 * A partition's extent.
 *
 * @param partition   the partition.
 * @param startOffset the first offset it still holds.
 * @param endOffset   the offset the next record will get; end − start records are held (fewer after compaction).
 */
public record PartitionInfo(int partition, long startOffset, long endOffset)
{
}
