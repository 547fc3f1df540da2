package io.tributary.log.internal.record;

import io.tributary.log.Header;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.RecordBatchEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.List;

import static io.tributary.log.internal.record.RecordBatches.*;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Encodes records into one {@code RecordBatch} (format in {@link RecordBatches}) held in its own growable buffer,
 * starting at index 0.
 * <p>
 * Usage: {@link #reset(long, int)}, then {@link #tryAppend(long, byte[], byte[], List)} until it returns false, then
 * {@link #finish()} and send {@code buffer()[0, length)}; reset and reuse. Offset deltas are 0..n-1; baseOffset and
 * appendTime are left 0 for the cluster to fill in.
 * <p>
 * Records are written as they are appended and the group counts patched in at {@link #finish()}, because SBE puts
 * a group's count before its entries. Apart from growing its buffer, the builder allocates nothing per record.
 * <p>
 * Threading: not thread-safe; one thread at a time.
 */
public final class RecordBatchBuilder
{
    private final int maxBatchBytes;
    private final ExpandableArrayBuffer buffer;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final RecordBatchEncoder batchEncoder = new RecordBatchEncoder();
    private int limit;
    private int recordCount;
    private long firstTimestamp;
    private long maxTimestamp;

    /**
     * @param maxBatchBytes size a batch may not grow past, except to hold its first record.
     */
    public RecordBatchBuilder(final int maxBatchBytes)
    {
        this(maxBatchBytes, 64 * 1024);
    }

    /**
     * @param maxBatchBytes   size a batch may not grow past, except to hold its first record.
     * @param initialCapacity bytes allocated at first; the buffer grows as records need.
     */
    public RecordBatchBuilder(final int maxBatchBytes, final int initialCapacity)
    {
        if (maxBatchBytes < FIRST_RECORD_OFFSET + RECORD_OVERHEAD)
        {
            throw new IllegalArgumentException("maxBatchBytes " + maxBatchBytes + " cannot hold a record");
        }
        this.maxBatchBytes = maxBatchBytes;
        this.buffer = new ExpandableArrayBuffer(Math.min(maxBatchBytes, Math.max(initialCapacity, FIRST_RECORD_OFFSET)));
        reset(-1, 0);
    }

    /**
     * Start a new batch, discarding any records appended since the last reset.
     *
     * @param producerId   -1 when the producer is not idempotent.
     * @param baseSequence sequence number of the first record for an idempotent producer.
     */
    public RecordBatchBuilder reset(final long producerId, final int baseSequence)
    {
        batchEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .batchLength(0)
            .baseOffset(0)
            .appendTime(0)
            .crc(0)
            .lastOffsetDelta(-1)
            .firstTimestamp(0)
            .maxTimestamp(0)
            .producerId(producerId)
            .baseSequence(baseSequence)
            .attributes(0);
        buffer.putShort(RECORDS_GROUP_OFFSET, (short)RECORD_BLOCK_LENGTH, LITTLE_ENDIAN);
        buffer.putShort(RECORD_COUNT_OFFSET, (short)0, LITTLE_ENDIAN);
        limit = FIRST_RECORD_OFFSET;
        recordCount = 0;
        firstTimestamp = 0;
        maxTimestamp = Long.MIN_VALUE;

        return this;
    }

    /**
     * Append a record if it fits.
     *
     * @param timestamp producer create time, epoch ms.
     * @param key       null for no key; an empty array is a distinct, non-null key.
     * @param value     null for a tombstone; an empty array is a distinct, non-null value.
     * @param headers   null or empty for none; each header key at most 65,535 UTF-8 bytes.
     * @return false when the batch already holds {@link RecordBatches#MAX_RECORDS} records or the record would take
     * it past {@code maxBatchBytes}; the first record of a batch is always accepted.
     * @throws IllegalArgumentException if a header key is too long or the batch would exceed 2 GiB.
     */
    public boolean tryAppend(final long timestamp, final byte[] key, final byte[] value, final List<Header> headers)
    {
        if (recordCount >= MAX_RECORDS)
        {
            return false;
        }

        final int headerCount = null == headers ? 0 : headers.size();
        if (headerCount > MAX_RECORDS)
        {
            throw new IllegalArgumentException("a record may have at most " + MAX_RECORDS + " headers");
        }

        long recordLength = RECORD_OVERHEAD + lengthOf(key) + lengthOf(value);
        for (int i = 0; i < headerCount; i++)
        {
            final Header header = headers.get(i);
            final int keyLength = utf8Length(header.key());
            if (keyLength > 0xFFFF)
            {
                throw new IllegalArgumentException("header key of " + keyLength + " UTF-8 bytes exceeds 65535");
            }
            recordLength += HEADER_KEY_LENGTH_SIZE + keyLength + VAR_DATA_LENGTH_SIZE + header.value().length;
        }

        final long newLimit = limit + recordLength;
        if (recordCount > 0 && newLimit > maxBatchBytes)
        {
            return false;
        }
        if (newLimit > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException("record of " + recordLength + " bytes cannot be encoded in a batch");
        }

        int position = limit;
        buffer.putInt(position, recordCount, LITTLE_ENDIAN);
        buffer.putLong(position + RECORD_TIMESTAMP_OFFSET, timestamp, LITTLE_ENDIAN);
        buffer.putByte(
            position + RECORD_FLAGS_OFFSET, (byte)((null == key ? FLAG_KEY_NULL : 0) | (null == value ? FLAG_VALUE_NULL : 0)));
        position += RECORD_BLOCK_LENGTH;

        buffer.putShort(position, (short)HEADERS_BLOCK_LENGTH, LITTLE_ENDIAN);
        buffer.putShort(position + 2, (short)headerCount, LITTLE_ENDIAN);
        position += HEADERS_GROUP_HEADER_SIZE;
        for (int i = 0; i < headerCount; i++)
        {
            final Header header = headers.get(i);
            final int keyLength = putUtf8(buffer, position + HEADER_KEY_LENGTH_SIZE, header.key());
            buffer.putShort(position, (short)keyLength, LITTLE_ENDIAN);
            position += HEADER_KEY_LENGTH_SIZE + keyLength;
            position = putVarData(buffer, position, header.value());
        }
        position = putVarData(buffer, position, key);
        position = putVarData(buffer, position, value);

        limit = position;
        if (0 == recordCount)
        {
            firstTimestamp = timestamp;
        }
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        recordCount++;

        return true;
    }

    public int recordCount()
    {
        return recordCount;
    }

    /**
     * @return bytes the batch takes so far, and after {@link #finish()} its length.
     */
    public int sizeInBytes()
    {
        return limit;
    }

    /**
     * Complete the batch: batchLength, lastOffsetDelta, timestamps, record count and CRC.
     *
     * @return length of the batch in {@link #buffer()} from index 0.
     * @throws IllegalStateException if no record was appended, since an empty batch is not valid.
     */
    public int finish()
    {
        if (0 == recordCount)
        {
            throw new IllegalStateException("a batch needs at least one record");
        }

        buffer.putInt(BATCH_LENGTH_OFFSET, limit, LITTLE_ENDIAN);
        buffer.putInt(LAST_OFFSET_DELTA_OFFSET, recordCount - 1, LITTLE_ENDIAN);
        buffer.putLong(FIRST_TIMESTAMP_OFFSET, firstTimestamp, LITTLE_ENDIAN);
        buffer.putLong(MAX_TIMESTAMP_OFFSET, maxTimestamp, LITTLE_ENDIAN);
        buffer.putShort(RECORD_COUNT_OFFSET, (short)recordCount, LITTLE_ENDIAN);
        buffer.putInt(CRC_OFFSET, computeCrc(buffer, 0, limit), LITTLE_ENDIAN);

        return limit;
    }

    /**
     * Stamp a finished batch with an idempotent producer's id and first sequence number, recomputing its CRC.
     */
    public void stampProducer(final long producerId, final int baseSequence)
    {
        RecordBatches.setProducerIdAndSequence(buffer, 0, producerId, baseSequence);
    }

    /**
     * @return the buffer holding the batch from index 0; valid until the next reset or append.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    private static int lengthOf(final byte[] bytes)
    {
        return null == bytes ? 0 : bytes.length;
    }

    private static int putVarData(final MutableDirectBuffer buffer, final int position, final byte[] bytes)
    {
        final int length = lengthOf(bytes);
        buffer.putInt(position, length, LITTLE_ENDIAN);
        if (length > 0)
        {
            buffer.putBytes(position + VAR_DATA_LENGTH_SIZE, bytes);
        }

        return position + VAR_DATA_LENGTH_SIZE + length;
    }

    /**
     * UTF-8 length as {@link String#getBytes} with UTF-8 would produce, unpaired surrogates becoming '?', without
     * allocating.
     */
    static int utf8Length(final String s)
    {
        int length = 0;
        for (int i = 0, n = s.length(); i < n; i++)
        {
            final char c = s.charAt(i);
            if (c < 0x80)
            {
                length += 1;
            }
            else if (c < 0x800)
            {
                length += 2;
            }
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1)))
            {
                length += 4;
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                length += 1;
            }
            else
            {
                length += 3;
            }
        }

        return length;
    }

    private static int putUtf8(final MutableDirectBuffer buffer, final int index, final String s)
    {
        int position = index;
        for (int i = 0, n = s.length(); i < n; i++)
        {
            final char c = s.charAt(i);
            if (c < 0x80)
            {
                buffer.putByte(position++, (byte)c);
            }
            else if (c < 0x800)
            {
                buffer.putByte(position++, (byte)(0xC0 | (c >> 6)));
                buffer.putByte(position++, (byte)(0x80 | (c & 0x3F)));
            }
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1)))
            {
                final int cp = Character.toCodePoint(c, s.charAt(++i));
                buffer.putByte(position++, (byte)(0xF0 | (cp >> 18)));
                buffer.putByte(position++, (byte)(0x80 | ((cp >> 12) & 0x3F)));
                buffer.putByte(position++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
                buffer.putByte(position++, (byte)(0x80 | (cp & 0x3F)));
            }
            else if (Character.isSurrogate(c))
            {
                buffer.putByte(position++, (byte)'?');
            }
            else
            {
                buffer.putByte(position++, (byte)(0xE0 | (c >> 12)));
                buffer.putByte(position++, (byte)(0x80 | ((c >> 6) & 0x3F)));
                buffer.putByte(position++, (byte)(0x80 | (c & 0x3F)));
            }
        }

        return position - index;
    }
}
