package io.tributary.log.internal.record;

import io.tributary.log.Header;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.tributary.log.internal.record.RecordBatches.*;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Flyweight over one encoded {@code RecordBatch} (format in {@link RecordBatches}) that steps through its records.
 * <p>
 * The batch must be well-formed: validate bytes from outside with {@link RecordBatches#validate} first. Wrapping
 * reads only the batch header; {@link #next()} locates one record's fields so they can be read in any order.
 * {@link #key()}, {@link #value()} and {@link #headers()} copy into new objects; the {@code *Offset}/{@code *Length}
 * accessors give zero-copy access to the same bytes in {@link #buffer()}.
 * <p>
 * Threading: not thread-safe; keep one per thread and re-wrap it per batch.
 */
public final class RecordBatchReader
{
    private DirectBuffer buffer;
    private int batchOffset;
    private int batchLength;
    private int recordCount;
    private int recordIndex;
    private int nextRecordPosition;
    private int recordPosition;

    private int offsetDelta;
    private long timestamp;
    private int flags;
    private int headersPosition;
    private int headerCount;
    private int keyOffset;
    private int keyLength;
    private int valueOffset;
    private int valueLength;

    /**
     * Wrap a batch and position before its first record.
     *
     * @param length of the batch, which must equal its batchLength.
     */
    public RecordBatchReader wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.batchOffset = offset;
        this.batchLength = length;
        this.recordCount = RecordBatches.recordCount(buffer, offset);
        this.recordIndex = -1;
        this.nextRecordPosition = offset + FIRST_RECORD_OFFSET;

        return this;
    }

    /**
     * Move to the next record.
     *
     * @return false when there are no more records in the batch.
     */
    public boolean next()
    {
        if (recordIndex + 1 >= recordCount)
        {
            return false;
        }
        recordIndex++;

        int position = nextRecordPosition;
        recordPosition = position;
        offsetDelta = buffer.getInt(position, LITTLE_ENDIAN);
        timestamp = buffer.getLong(position + RECORD_TIMESTAMP_OFFSET, LITTLE_ENDIAN);
        flags = buffer.getByte(position + RECORD_FLAGS_OFFSET) & 0xFF;
        position += RECORD_BLOCK_LENGTH;

        headerCount = buffer.getShort(position + 2, LITTLE_ENDIAN) & 0xFFFF;
        position += HEADERS_GROUP_HEADER_SIZE;
        headersPosition = position;
        for (int i = 0; i < headerCount; i++)
        {
            position += HEADER_KEY_LENGTH_SIZE + (buffer.getShort(position, LITTLE_ENDIAN) & 0xFFFF);
            position += VAR_DATA_LENGTH_SIZE + buffer.getInt(position, LITTLE_ENDIAN);
        }

        keyLength = buffer.getInt(position, LITTLE_ENDIAN);
        keyOffset = position + VAR_DATA_LENGTH_SIZE;
        position = keyOffset + keyLength;
        valueLength = buffer.getInt(position, LITTLE_ENDIAN);
        valueOffset = position + VAR_DATA_LENGTH_SIZE;
        nextRecordPosition = valueOffset + valueLength;

        return true;
    }

    /**
     * @return index in {@link #buffer()} at which the current record starts (its offsetDelta field).
     */
    public int recordPosition()
    {
        return recordPosition;
    }

    /**
     * @return index in {@link #buffer()} just past the current record.
     */
    public int recordEnd()
    {
        return nextRecordPosition;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int batchOffset()
    {
        return batchOffset;
    }

    public int batchLength()
    {
        return batchLength;
    }

    public long baseOffset()
    {
        return RecordBatches.baseOffset(buffer, batchOffset);
    }

    /**
     * @return offset of the last record of the batch.
     */
    public long lastOffset()
    {
        return baseOffset() + RecordBatches.lastOffsetDelta(buffer, batchOffset);
    }

    public long appendTime()
    {
        return RecordBatches.appendTime(buffer, batchOffset);
    }

    public long maxTimestamp()
    {
        return RecordBatches.maxTimestamp(buffer, batchOffset);
    }

    public long producerId()
    {
        return buffer.getLong(batchOffset + PRODUCER_ID_OFFSET, LITTLE_ENDIAN);
    }

    public int baseSequence()
    {
        return buffer.getInt(batchOffset + BASE_SEQUENCE_OFFSET, LITTLE_ENDIAN);
    }

    public int recordCount()
    {
        return recordCount;
    }

    /**
     * @return offset of the current record: baseOffset + offsetDelta.
     */
    public long offset()
    {
        return baseOffset() + offsetDelta;
    }

    public long timestamp()
    {
        return timestamp;
    }

    public boolean isKeyNull()
    {
        return (flags & FLAG_KEY_NULL) != 0;
    }

    public boolean isValueNull()
    {
        return (flags & FLAG_VALUE_NULL) != 0;
    }

    /**
     * @return index in {@link #buffer()} of the key's bytes.
     */
    public int keyOffset()
    {
        return keyOffset;
    }

    /**
     * @return length of the key, 0 when it is null or empty.
     */
    public int keyLength()
    {
        return keyLength;
    }

    public int valueOffset()
    {
        return valueOffset;
    }

    public int valueLength()
    {
        return valueLength;
    }

    /**
     * @return a copy of the key, or null when the record has none.
     */
    public byte[] key()
    {
        return isKeyNull() ? null : copy(keyOffset, keyLength);
    }

    /**
     * @return a copy of the value, or null for a tombstone.
     */
    public byte[] value()
    {
        return isValueNull() ? null : copy(valueOffset, valueLength);
    }

    public int headerCount()
    {
        return headerCount;
    }

    /**
     * @return copies of the headers in their order, an empty immutable list when there are none.
     */
    public List<Header> headers()
    {
        if (0 == headerCount)
        {
            return Collections.emptyList();
        }

        final List<Header> headers = new ArrayList<>(headerCount);
        int position = headersPosition;
        for (int i = 0; i < headerCount; i++)
        {
            final int keyLength = buffer.getShort(position, LITTLE_ENDIAN) & 0xFFFF;
            position += HEADER_KEY_LENGTH_SIZE;
            final String key = buffer.getStringWithoutLengthUtf8(position, keyLength);
            position += keyLength;
            final int valueLength = buffer.getInt(position, LITTLE_ENDIAN);
            position += VAR_DATA_LENGTH_SIZE;
            headers.add(new Header(key, copy(position, valueLength)));
            position += valueLength;
        }

        return headers;
    }

    private byte[] copy(final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
