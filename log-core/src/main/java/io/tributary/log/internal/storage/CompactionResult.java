package io.tributary.log.internal.storage;

/**
 * What one {@link PartitionLog#compact} did.
 *
 * @param segmentsRewritten closed segments whose file was replaced or deleted.
 * @param bytesRead         bytes of the closed segments before.
 * @param bytesWritten      bytes of the closed segments after.
 * @param recordsRemoved    records dropped.
 * @param nanos             wall time taken; for measurement only, it never decides anything.
 */
public record CompactionResult(
    int segmentsRewritten, long bytesRead, long bytesWritten, long recordsRemoved, long nanos)
{
    /**
     * @return MB (10^6 bytes) of closed segments read per second.
     */
    public double megabytesPerSecond()
    {
        return nanos == 0 ? 0.0 : bytesRead / 1e6 / (nanos / 1e9);
    }
}
