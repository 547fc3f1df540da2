package io.tributary.log.internal.storage;

/**
 * What one compaction did. Times are wall times, for measurement only: they never decide anything.
 *
 * @param segmentsRewritten closed segments whose file was replaced or deleted.
 * @param bytesRead         bytes of the closed segments before.
 * @param bytesWritten      bytes of the closed segments after.
 * @param recordsRemoved    records dropped.
 * @param nanos             the cleaner's time: scanning the partition and writing the {@code .cleaned} files.
 * @param waitNanos         how long the writer waited for the cleaner when it came to swap the output in.
 * @param swapNanos         the writer's time to swap the output in (renames, mapping and indexing the new files).
 */
public record CompactionResult(
    int segmentsRewritten, long bytesRead, long bytesWritten, long recordsRemoved, long nanos, long waitNanos,
    long swapNanos)
{
    /**
     * @return MB (10^6 bytes) of closed segments read per second of the cleaner's time.
     */
    public double megabytesPerSecond()
    {
        return nanos == 0 ? 0.0 : bytesRead / 1e6 / (nanos / 1e9);
    }
}
