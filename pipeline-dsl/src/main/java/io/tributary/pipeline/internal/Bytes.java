package io.tributary.pipeline.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An immutable byte string with value equality and unsigned lexicographic order: the key type of state stores.
 * Thread-safe (immutable): the array is copied in and never handed out except by {@link #array()}, which callers
 * must not change.
 */
public final class Bytes implements Comparable<Bytes>
{
    private final byte[] bytes;
    private final int hash;

    private Bytes(final byte[] bytes)
    {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static Bytes wrap(final byte[] bytes)
    {
        return new Bytes(bytes == null ? new byte[0] : bytes);
    }

    /**
     * @return the key followed by a big-endian long, so that entries of one key sort by the long when non-negative.
     */
    public static Bytes withLong(final byte[] key, final long suffix)
    {
        final byte[] k = key == null ? new byte[0] : key;
        return new Bytes(ByteBuffer.allocate(k.length + Long.BYTES).put(k).putLong(suffix).array());
    }

    /**
     * @return the long written by {@link #withLong}.
     */
    public long suffix()
    {
        return ByteBuffer.wrap(bytes, bytes.length - Long.BYTES, Long.BYTES).getLong();
    }

    /**
     * @return the key written by {@link #withLong}.
     */
    public byte[] prefix()
    {
        return Arrays.copyOf(bytes, bytes.length - Long.BYTES);
    }

    public byte[] array()
    {
        return bytes;
    }

    public int compareTo(final Bytes other)
    {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    public boolean equals(final Object o)
    {
        return this == o || (o instanceof Bytes b && hash == b.hash && Arrays.equals(bytes, b.bytes));
    }

    public int hashCode()
    {
        return hash;
    }

    public String toString()
    {
        return "Bytes[" + bytes.length + "]";
    }
}
