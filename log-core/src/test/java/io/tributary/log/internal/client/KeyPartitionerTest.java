package io.tributary.log.internal.client;

import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyPartitionerTest
{
    private static final int[] PARTITION_COUNTS = { 1, 2, 3, 4, 7, 12, 100, 1000 };
    private static final int RANDOM_KEY_COUNT = 10_000;
    private static final int MAX_RANDOM_KEY_LENGTH = 64;

    @Test
    void shouldMatchKafkaForEveryKeyAndPartitionCount()
    {
        final List<byte[]> keys = parityKeys();
        for (final byte[] key : keys)
        {
            final int expectedHash = Utils.murmur2(key);
            assertEquals(expectedHash, KeyPartitioner.murmur2(key), () -> "murmur2 of " + describe(key));

            for (final int numPartitions : PARTITION_COUNTS)
            {
                final int expected = Utils.toPositive(Utils.murmur2(key)) % numPartitions;
                assertEquals(
                    expected,
                    KeyPartitioner.partitionForKey(key, numPartitions),
                    () -> "partition of " + describe(key) + " over " + numPartitions);
            }
        }
    }

    @Test
    void shouldCoverEveryTailLength()
    {
        final Set<Integer> tailLengths = new HashSet<>();
        for (final byte[] key : parityKeys())
        {
            tailLengths.add(key.length & 3);
        }

        assertEquals(Set.of(0, 1, 2, 3), tailLengths);
    }

    /**
     * Values computed with kafka-clients 4.1.0, so that the mapping stays pinned even without the dependency.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''         | 275646681   | 1 | 9",
        "a          | -1563381124 | 0 | 4",
        "key        | -1079937367 | 1 | 1",
        "user-42    | 1459644460  | 0 | 4",
        "order-1001 | 297523878   | 2 | 6",
        "tributary  | 77843494    | 2 | 10",
        "Grüße      | 1190824359  | 3 | 3",
        "日本語キー   | 1445825182  | 2 | 10",
    })
    void shouldMapPinnedKeysToKafkaPartitions(
        final String key, final int hash, final int partitionOf4, final int partitionOf12)
    {
        final byte[] bytes = key.getBytes(StandardCharsets.UTF_8);

        assertEquals(hash, KeyPartitioner.murmur2(bytes));
        assertEquals(partitionOf4, KeyPartitioner.partitionForKey(bytes, 4));
        assertEquals(partitionOf12, KeyPartitioner.partitionForKey(bytes, 12));
    }

    @Test
    void shouldRejectPartitionCountBelowOne()
    {
        final byte[] key = "k".getBytes(StandardCharsets.UTF_8);

        assertThrows(IllegalArgumentException.class, () -> KeyPartitioner.partitionForKey(key, 0));
        assertThrows(IllegalArgumentException.class, () -> KeyPartitioner.partitionForKey(key, -3));
    }

    private static List<byte[]> parityKeys()
    {
        final List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[0]);

        for (int length = 1; length <= 7; length++)
        {
            final byte[] ascending = new byte[length];
            final byte[] highBits = new byte[length];
            for (int i = 0; i < length; i++)
            {
                ascending[i] = (byte)(i + 1);
                highBits[i] = (byte)(0x80 | (i * 37));
            }
            keys.add(ascending);
            keys.add(highBits);
        }

        for (final String word : new String[]{
            "a", "key", "user-42", "user-43", "order-1001", "tributary", "the quick brown fox jumps over the lazy dog" })
        {
            keys.add(word.getBytes(StandardCharsets.UTF_8));
        }

        for (final String word : new String[]{
            "Grüße", "naïve café", "日本語キー", "ключ-7", "emoji-🚀", "ä", "€", "𝄞" })
        {
            keys.add(word.getBytes(StandardCharsets.UTF_8));
        }

        final Random random = new Random(0x7261_6e64L);
        for (int i = 0; i < RANDOM_KEY_COUNT; i++)
        {
            final byte[] key = new byte[random.nextInt(MAX_RANDOM_KEY_LENGTH + 1)];
            random.nextBytes(key);
            keys.add(key);
        }

        return keys;
    }

    private static String describe(final byte[] key)
    {
        final StringBuilder builder = new StringBuilder("[");
        for (final byte b : key)
        {
            builder.append(String.format("%02x", b));
        }
        return builder.append(']').toString();
    }
}
