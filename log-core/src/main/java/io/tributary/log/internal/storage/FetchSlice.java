package io.tributary.log.internal.storage;

import org.agrona.DirectBuffer;

/**
 * Where {@link PartitionLog#read(long, int, FetchSlice)} found the requested batches: whole RecordBatches back to
 * back in {@code buffer[offset, offset + length)}, pointing straight into a mapped segment.
 * <p>
 * The bytes stay valid and unchanged for as long as the reader holds the slice, even if the log rolls, is closed
 * or deleted meanwhile, except that {@link PartitionLog#truncateTo(long)} may overwrite them. Copy them out (e.g.
 * into a fetch response) rather than keeping the slice around.
 * <p>
 * Threading: a mutable holder; keep one per reading thread.
 */
public final class FetchSlice
{
    private DirectBuffer buffer;
    private int offset;
    private int length;

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    /**
     * @return bytes of whole batches, 0 when there was nothing to read.
     */
    public int length()
    {
        return length;
    }

    void set(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }
}
