package io.tributary.log.internal.client;

/**
 * Maps a record key to a partition exactly as a Kafka producer's default partitioner does for a non-null key, so
 * that keyed data lands in the same partition whether a Kafka client or a Tributary client wrote it.
 * <p>
 * The hash is the 32-bit murmur2 variant Kafka uses: seed {@code 0x9747b28c}, multiplier {@code 0x5bd1e995},
 * shift {@code 24}, the key read as little-endian 4-byte blocks, then up to three tail bytes, then a final mix.
 * The partition is the hash with its sign bit cleared, modulo the partition count.
 * <p>
 * Threading: stateless; every method is safe to call from any thread.
 */
public final class KeyPartitioner
{
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private KeyPartitioner()
    {
    }

    /**
     * The 32-bit murmur2 hash of {@code data}, bit-for-bit equal to Kafka's {@code Utils.murmur2}.
     *
     * @param data the bytes to hash, may be empty.
     * @return the hash, which may be negative.
     */
    public static int murmur2(final byte[] data)
    {
        final int length = data.length;
        final int blockEnd = length & ~3;
        int h = SEED ^ length;

        for (int i = 0; i < blockEnd; i += 4)
        {
            int k = (data[i] & 0xff) |
                ((data[i + 1] & 0xff) << 8) |
                ((data[i + 2] & 0xff) << 16) |
                ((data[i + 3] & 0xff) << 24);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        // The one to three tail bytes are folded in together, highest first, then mixed once.
        final int tailLength = length & 3;
        if (tailLength > 0)
        {
            if (tailLength == 3)
            {
                h ^= (data[blockEnd + 2] & 0xff) << 16;
            }
            if (tailLength >= 2)
            {
                h ^= (data[blockEnd + 1] & 0xff) << 8;
            }
            h ^= data[blockEnd] & 0xff;
            h *= M;
        }

        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;

        return h;
    }

    /**
     * The partition Kafka's default partitioner picks for a non-null key:
     * {@code (murmur2(key) & 0x7fffffff) % numPartitions}.
     * <p>
     * The sign bit is masked rather than {@code Math.abs} taken, because {@code Math.abs(Integer.MIN_VALUE)} is
     * negative and because Kafka masks too.
     *
     * @param key           the serialised record key, not null.
     * @param numPartitions the number of partitions of the topic, at least 1.
     * @return a partition in {@code [0, numPartitions)}.
     * @throws IllegalArgumentException if {@code numPartitions} is less than 1.
     */
    public static int partitionForKey(final byte[] key, final int numPartitions)
    {
        if (numPartitions < 1)
        {
            throw new IllegalArgumentException("numPartitions must be at least 1: " + numPartitions);
        }

        return (murmur2(key) & 0x7fffffff) % numPartitions;
    }
}
