package io.tributary.log.internal;

import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.util.List;
import java.util.Random;

/**
 * Hostile inputs for the fuzz tests: random bytes, valid headers with random bodies, and mutations of valid messages
 * (bit flips, truncation, extension, length fields and group counts set to huge, zero or negative values, header
 * fields changed, two messages spliced).
 * <p>
 * One seed drives a whole run: {@code -Dfuzz.seed=N} replays it; {@code -Dfuzz.count=N} sets the total number of
 * inputs over the decoder fuzz tests (default 1,000,000), each taking its share. Not thread-safe.
 */
public final class HostileInput
{
    /** The inputs of a whole run of the decoder fuzz tests, shared out between them. */
    public static final long TOTAL_COUNT = Long.getLong("fuzz.count", 1_000_000L);
    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    private static final int MAX_LENGTH = 4096;

    private final Random random;
    private final long seed;
    private final List<byte[]> corpus;
    private final int[] templateIds;
    private String lastKind = "";

    /**
     * @param salt   separates the tests' streams, so each replays alone with the same run seed.
     * @param corpus valid messages to mutate.
     */
    public HostileInput(final long salt, final List<byte[]> corpus)
    {
        this.seed = SEED;
        this.random = new Random(SEED * 31 + salt);
        this.corpus = corpus;
        this.templateIds = new int[corpus.size()];
        for (int i = 0; i < corpus.size(); i++)
        {
            templateIds[i] = (corpus.get(i)[2] & 0xFF) | (corpus.get(i)[3] & 0xFF) << 8;
        }
    }

    /**
     * @return the run's seed, as printed by {@link #report}.
     */
    public long seed()
    {
        return seed;
    }

    /**
     * @param share this test's part of {@link #TOTAL_COUNT}.
     * @return how many inputs this test feeds.
     */
    public static int count(final double share)
    {
        return (int)Math.max(1, Math.round(TOTAL_COUNT * share));
    }

    public Random random()
    {
        return random;
    }

    /**
     * @return what the last input was made by, for failure messages.
     */
    public String lastKind()
    {
        return lastKind;
    }

    /**
     * @return the next hostile input.
     */
    public byte[] next()
    {
        final int choice = random.nextInt(100);
        if (choice < 5)
        {
            lastKind = "random bytes";
            return randomBytes(random.nextInt(MAX_LENGTH));
        }
        if (choice < 15)
        {
            lastKind = "valid header, random body";
            final byte[] bytes = randomBytes(MessageHeaderDecoder.ENCODED_LENGTH + random.nextInt(512));
            final int template = templateIds[random.nextInt(templateIds.length)];
            putShort(bytes, 0, random.nextInt(4) == 0 ? random.nextInt(0x10000) : random.nextInt(64));
            putShort(bytes, 2, template);
            putShort(bytes, 4, MessageHeaderDecoder.SCHEMA_ID);
            putShort(bytes, 6, random.nextInt(3));
            return bytes;
        }
        return mutate(corpus.get(random.nextInt(corpus.size())));
    }

    /**
     * @return a copy of {@code valid} with one to three mutations.
     */
    public byte[] mutate(final byte[] valid)
    {
        byte[] bytes = valid.clone();
        final int mutations = 1 + random.nextInt(3);
        final StringBuilder kind = new StringBuilder();
        for (int m = 0; m < mutations; m++)
        {
            final int op = random.nextInt(9);
            kind.append(m == 0 ? "" : "+");
            switch (op)
            {
                case 0 ->
                {
                    kind.append("bit flips");
                    final int flips = 1 + random.nextInt(8);
                    for (int i = 0; i < flips && bytes.length > 0; i++)
                    {
                        bytes[random.nextInt(bytes.length)] ^= (byte)(1 << random.nextInt(8));
                    }
                }
                case 1 ->
                {
                    kind.append("truncated");
                    bytes = java.util.Arrays.copyOf(bytes, bytes.length == 0 ? 0 : random.nextInt(bytes.length));
                }
                case 2 ->
                {
                    kind.append("extended");
                    final int extra = 1 + random.nextInt(256);
                    final byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + extra);
                    for (int i = bytes.length; i < longer.length; i++)
                    {
                        longer[i] = (byte)random.nextInt(256);
                    }
                    bytes = longer;
                }
                case 3 ->
                {
                    kind.append("uint16 length or count");
                    if (bytes.length >= 2)
                    {
                        putShort(bytes, random.nextInt(bytes.length - 1), extremeShort());
                    }
                }
                case 4 ->
                {
                    kind.append("int32 length");
                    if (bytes.length >= 4)
                    {
                        putInt(bytes, random.nextInt(bytes.length - 3), extremeInt());
                    }
                }
                case 5 ->
                {
                    kind.append("header field");
                    if (bytes.length >= MessageHeaderDecoder.ENCODED_LENGTH)
                    {
                        putShort(bytes, 2 * random.nextInt(4), extremeShort());
                    }
                }
                case 6 ->
                {
                    kind.append("spliced");
                    final byte[] other = corpus.get(random.nextInt(corpus.size()));
                    final int cut = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
                    final int from = other.length == 0 ? 0 : random.nextInt(other.length);
                    final byte[] spliced = java.util.Arrays.copyOf(bytes, cut + other.length - from);
                    System.arraycopy(other, from, spliced, cut, other.length - from);
                    bytes = spliced;
                }
                case 7 ->
                {
                    kind.append("random bytes over a range");
                    if (bytes.length > 0)
                    {
                        final int start = random.nextInt(bytes.length);
                        final int end = Math.min(bytes.length, start + 1 + random.nextInt(16));
                        for (int i = start; i < end; i++)
                        {
                            bytes[i] = (byte)random.nextInt(256);
                        }
                    }
                }
                default ->
                {
                    kind.append("zeroed range");
                    if (bytes.length > 0)
                    {
                        final int start = random.nextInt(bytes.length);
                        java.util.Arrays.fill(bytes, start, Math.min(bytes.length, start + 1 + random.nextInt(32)),
                            (byte)0);
                    }
                }
            }
        }
        lastKind = kind.toString();
        return bytes;
    }

    /**
     * Print the seed and count of a finished run, so a failure or a result can be replayed.
     */
    public void report(final String what, final long inputs, final String outcome)
    {
        System.out.println("fuzz " + what + ": " + inputs + " inputs, seed " + seed +
            " (rerun with -Dfuzz.seed=" + seed + "): " + outcome);
    }

    /**
     * @return a message naming the seed and the input, for an assertion that failed on it.
     */
    public String describe(final byte[] input)
    {
        return "seed " + seed + ", input (" + lastKind + ") of " + input.length + " bytes: " + hex(input, 96);
    }

    public static String hex(final byte[] bytes, final int max)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, max); i++)
        {
            out.append(String.format("%02x", bytes[i] & 0xFF));
        }
        return bytes.length > max ? out + "..." : out.toString();
    }

    public static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private int extremeShort()
    {
        return switch (random.nextInt(5))
        {
            case 0 -> 0xFFFF;
            case 1 -> 0;
            case 2 -> 0x8000;
            case 3 -> 0x7FFF;
            default -> random.nextInt(0x10000);
        };
    }

    private int extremeInt()
    {
        return switch (random.nextInt(6))
        {
            case 0 -> -1;
            case 1 -> Integer.MAX_VALUE;
            case 2 -> Integer.MIN_VALUE;
            case 3 -> 0;
            case 4 -> 1 << 30;
            default -> random.nextInt();
        };
    }

    private static void putShort(final byte[] bytes, final int at, final int value)
    {
        bytes[at] = (byte)value;
        bytes[at + 1] = (byte)(value >>> 8);
    }

    private static void putInt(final byte[] bytes, final int at, final int value)
    {
        putShort(bytes, at, value & 0xFFFF);
        putShort(bytes, at + 2, value >>> 16);
    }
}
