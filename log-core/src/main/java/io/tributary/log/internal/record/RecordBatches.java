package io.tributary.log.internal.record;

import io.tributary.log.Header;

import java.util.List;

import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.RecordBatchDecoder;
import io.tributary.log.internal.codecs.RecordBatchDecoder.RecordsDecoder;
import io.tributary.log.internal.codecs.RecordBatchDecoder.RecordsDecoder.HeadersDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Static helpers over encoded {@code RecordBatch} messages, the unit of produce requests, segment files and fetch
 * responses.
 * <p>
 * Format (SBE schema {@code tributary-codecs.xml}, template id 1, little-endian), offsets from the batch start:
 * <pre>
 *   0  messageHeader     blockLength u16 (60), templateId u16 (1), schemaId u16 (7401), version u16
 *   8  batchLength       i32  bytes of the whole batch, message header included
 *  12  baseOffset        i64  offset of the first record, set by the cluster
 *  20  appendTime        i64  epoch ms, set by the cluster
 *  28  crc               i32  CRC32C of bytes [32, batchLength)
 *  32  lastOffsetDelta   i32
 *  36  firstTimestamp    i64
 *  44  maxTimestamp      i64
 *  52  producerId        i64
 *  60  baseSequence      i32
 *  64  attributes        i32
 *  68  records group     blockLength u16 (13), numInGroup u16, then per record:
 *        offsetDelta i32, timestamp i64, flags u8 (bit 0 key null, bit 1 value null),
 *        headers group   blockLength u16 (0), numInGroup u16, then per header:
 *                          key length u16 + UTF-8, value length u32 + bytes
 *        key length u32 + bytes, value length u32 + bytes
 * </pre>
 * Because the CRC starts after the crc field, the cluster can patch {@code baseOffset} and {@code appendTime} into a
 * stored copy without recomputing it, and the producer's bytes stay checked end to end.
 * <p>
 * Offset deltas of a well-formed batch start at 0 and strictly increase, and the last equals {@code lastOffsetDelta},
 * so a batch covers offsets {@code [baseOffset, baseOffset + lastOffsetDelta]}.
 * <p>
 * Threading: stateless; every method is safe from any thread on buffers that thread may read.
 */
public final class RecordBatches
{
    public static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;
    public static final int BATCH_LENGTH_OFFSET = HEADER_LENGTH + RecordBatchDecoder.batchLengthEncodingOffset();
    public static final int BASE_OFFSET_OFFSET = HEADER_LENGTH + RecordBatchDecoder.baseOffsetEncodingOffset();
    public static final int APPEND_TIME_OFFSET = HEADER_LENGTH + RecordBatchDecoder.appendTimeEncodingOffset();
    public static final int CRC_OFFSET = HEADER_LENGTH + RecordBatchDecoder.crcEncodingOffset();
    /** First byte covered by the CRC; it covers everything from here up to batchLength. */
    public static final int CRC_START_OFFSET = CRC_OFFSET + RecordBatchDecoder.crcEncodingLength();
    public static final int LAST_OFFSET_DELTA_OFFSET =
        HEADER_LENGTH + RecordBatchDecoder.lastOffsetDeltaEncodingOffset();
    public static final int FIRST_TIMESTAMP_OFFSET = HEADER_LENGTH + RecordBatchDecoder.firstTimestampEncodingOffset();
    public static final int MAX_TIMESTAMP_OFFSET = HEADER_LENGTH + RecordBatchDecoder.maxTimestampEncodingOffset();
    public static final int PRODUCER_ID_OFFSET = HEADER_LENGTH + RecordBatchDecoder.producerIdEncodingOffset();
    public static final int BASE_SEQUENCE_OFFSET = HEADER_LENGTH + RecordBatchDecoder.baseSequenceEncodingOffset();
    public static final int ATTRIBUTES_OFFSET = HEADER_LENGTH + RecordBatchDecoder.attributesEncodingOffset();
    public static final int RECORDS_GROUP_OFFSET = HEADER_LENGTH + RecordBatchDecoder.BLOCK_LENGTH;
    public static final int RECORD_COUNT_OFFSET = RECORDS_GROUP_OFFSET + 2;
    /** Where the first record starts, and so the size of a batch with no records. */
    public static final int FIRST_RECORD_OFFSET = RECORDS_GROUP_OFFSET + RecordsDecoder.HEADER_SIZE;

    static final int RECORD_BLOCK_LENGTH = RecordsDecoder.sbeBlockLength();
    static final int RECORD_TIMESTAMP_OFFSET = RecordsDecoder.timestampEncodingOffset();
    static final int RECORD_FLAGS_OFFSET = RecordsDecoder.flagsEncodingOffset();
    static final int HEADERS_GROUP_HEADER_SIZE = HeadersDecoder.HEADER_SIZE;
    static final int HEADERS_BLOCK_LENGTH = HeadersDecoder.sbeBlockLength();
    static final int HEADER_KEY_LENGTH_SIZE = HeadersDecoder.headerKeyHeaderLength();
    static final int VAR_DATA_LENGTH_SIZE = RecordsDecoder.keyHeaderLength();
    /** Bytes of a record with no headers and empty key and value. */
    static final int RECORD_OVERHEAD =
        RECORD_BLOCK_LENGTH + HEADERS_GROUP_HEADER_SIZE + VAR_DATA_LENGTH_SIZE + VAR_DATA_LENGTH_SIZE;

    /**
     * @return the bytes one record takes in a batch: what a producer counts against its buffer and request size.
     */
    public static int encodedRecordSize(final byte[] key, final byte[] value, final List<Header> headers)
    {
        int size = RECORD_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        if (headers != null)
        {
            for (int i = 0, n = headers.size(); i < n; i++)
            {
                final Header header = headers.get(i);
                size += HEADERS_BLOCK_LENGTH + HEADER_KEY_LENGTH_SIZE + VAR_DATA_LENGTH_SIZE +
                    header.key().getBytes(java.nio.charset.StandardCharsets.UTF_8).length +
                    (header.value() == null ? 0 : header.value().length);
            }
        }
        return size;
    }

    public static final int FLAG_KEY_NULL = 1;
    public static final int FLAG_VALUE_NULL = 2;

    /**
     * Most records a batch may hold. The SBE group count is a uint16 whose top value 65535 is its null value, so
     * generated codecs refuse it; 65534 is the largest count every SBE decoder accepts.
     */
    public static final int MAX_RECORDS = RecordsDecoder.countMaxValue();

    private RecordBatches()
    {
    }

    /**
     * Receives each batch found by {@link #forEachBatch(DirectBuffer, int, int, BatchHandler)}.
     */
    @FunctionalInterface
    public interface BatchHandler
    {
        /**
         * @param buffer holding the batch.
         * @param offset at which the batch starts.
         * @param length of the batch, equal to its batchLength.
         */
        void onBatch(DirectBuffer buffer, int offset, int length);
    }

    /**
     * Walk batches laid back to back, as in a fetch response or a segment. Each batch is delimited by its batchLength
     * only; nothing is validated. The walk stops at the end of the range or at the first batch whose length is not
     * plausible (shorter than an empty batch or running past the end), e.g. a preallocated zero tail.
     *
     * @return number of bytes walked, i.e. the offset after the last whole batch relative to {@code offset}.
     */
    public static int forEachBatch(
        final DirectBuffer buffer, final int offset, final int length, final BatchHandler handler)
    {
        int position = 0;
        while (length - position >= FIRST_RECORD_OFFSET)
        {
            final int batchLength = buffer.getInt(offset + position + BATCH_LENGTH_OFFSET, LITTLE_ENDIAN);
            if (batchLength < FIRST_RECORD_OFFSET || batchLength > length - position)
            {
                break;
            }
            handler.onBatch(buffer, offset + position, batchLength);
            position += batchLength;
        }

        return position;
    }

    public static int batchLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + BATCH_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    public static long baseOffset(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + BASE_OFFSET_OFFSET, LITTLE_ENDIAN);
    }

    public static long appendTime(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + APPEND_TIME_OFFSET, LITTLE_ENDIAN);
    }

    public static int lastOffsetDelta(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + LAST_OFFSET_DELTA_OFFSET, LITTLE_ENDIAN);
    }

    public static long maxTimestamp(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + MAX_TIMESTAMP_OFFSET, LITTLE_ENDIAN);
    }

    public static int recordCount(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + RECORD_COUNT_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
    }

    public static int crc(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CRC_OFFSET, LITTLE_ENDIAN);
    }

    public static long producerId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + PRODUCER_ID_OFFSET, LITTLE_ENDIAN);
    }

    public static int baseSequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + BASE_SEQUENCE_OFFSET, LITTLE_ENDIAN);
    }

    /**
     * Stamp an idempotent producer's id and first sequence number on a finished batch, and recompute its CRC, which
     * covers them. The producer does this when it sends the batch, since that is when its sequence is known.
     */
    public static void setProducerIdAndSequence(
        final MutableDirectBuffer buffer, final int offset, final long producerId, final int baseSequence)
    {
        buffer.putLong(offset + PRODUCER_ID_OFFSET, producerId, LITTLE_ENDIAN);
        buffer.putInt(offset + BASE_SEQUENCE_OFFSET, baseSequence, LITTLE_ENDIAN);
        final int length = batchLength(buffer, offset);
        buffer.putInt(offset + CRC_OFFSET, computeCrc(buffer, offset, length), LITTLE_ENDIAN);
    }

    /**
     * Fill in the fields the cluster owns. They lie before the CRC'd range, so the stored CRC stays valid.
     */
    public static void setBaseOffsetAndAppendTime(
        final MutableDirectBuffer buffer, final int offset, final long baseOffset, final long appendTime)
    {
        buffer.putLong(offset + BASE_OFFSET_OFFSET, baseOffset, LITTLE_ENDIAN);
        buffer.putLong(offset + APPEND_TIME_OFFSET, appendTime, LITTLE_ENDIAN);
    }

    /**
     * CRC32C of bytes {@code [offset + CRC_START_OFFSET, offset + length)}, the value the crc field must hold.
     *
     * @param length of the batch; must be at least {@link #CRC_START_OFFSET}.
     */
    public static int computeCrc(final DirectBuffer buffer, final int offset, final int length)
    {
        final int start = offset + CRC_START_OFFSET;
        final int count = length - CRC_START_OFFSET;
        buffer.boundsCheck(start, count);
        final CRC32C crc = new CRC32C();

        final byte[] array = buffer.byteArray();
        final ByteBuffer byteBuffer = buffer.byteBuffer();
        if (null != array)
        {
            crc.update(array, buffer.wrapAdjustment() + start, count);
        }
        else if (null != byteBuffer)
        {
            final int from = buffer.wrapAdjustment() + start;
            crc.update(byteBuffer.duplicate().limit(from + count).position(from));
        }
        else
        {
            // A buffer over a raw address: no array or ByteBuffer to hand the JDK, so go through a small copy.
            final byte[] chunk = new byte[Math.min(count, 8192)];
            for (int i = 0; i < count; i += chunk.length)
            {
                final int n = Math.min(chunk.length, count - i);
                buffer.getBytes(start + i, chunk, 0, n);
                crc.update(chunk, 0, n);
            }
        }

        return (int)crc.getValue();
    }

    /**
     * Check that {@code [offset, offset + length)} holds exactly one well-formed batch: header ids, batchLength,
     * CRC, record count, offset deltas, timestamps and every group and var-data field within bounds. Never throws on
     * bad bytes.
     *
     * @return null when well-formed, else a message saying what is wrong, fit to return to a producer.
     */
    public static String validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > buffer.capacity())
        {
            return "range offset=" + offset + " length=" + length + " is outside a buffer of " + buffer.capacity();
        }

        if (length < FIRST_RECORD_OFFSET)
        {
            return "batch of " + length + " bytes is shorter than the " + FIRST_RECORD_OFFSET + "-byte batch header";
        }

        try
        {
            return validateStructure(buffer, offset, length);
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException ex)
        {
            // Explicit checks should have caught any overrun; this is the backstop that keeps validate total.
            return "batch runs past its end: " + ex.getMessage();
        }
    }

    private static String validateStructure(final DirectBuffer buffer, final int offset, final int length)
    {
        final int blockLength = buffer.getShort(offset, LITTLE_ENDIAN) & 0xFFFF;
        final int templateId = buffer.getShort(offset + 2, LITTLE_ENDIAN) & 0xFFFF;
        final int schemaId = buffer.getShort(offset + 4, LITTLE_ENDIAN) & 0xFFFF;
        final int version = buffer.getShort(offset + 6, LITTLE_ENDIAN) & 0xFFFF;
        if (templateId != RecordBatchDecoder.TEMPLATE_ID)
        {
            return "template id " + templateId + " is not a RecordBatch (" + RecordBatchDecoder.TEMPLATE_ID + ")";
        }
        if (schemaId != RecordBatchDecoder.SCHEMA_ID)
        {
            return "schema id " + schemaId + " is not Tributary's (" + RecordBatchDecoder.SCHEMA_ID + ")";
        }
        if (version > RecordBatchDecoder.SCHEMA_VERSION)
        {
            return "schema version " + version + " is newer than supported " + RecordBatchDecoder.SCHEMA_VERSION;
        }
        if (blockLength != RecordBatchDecoder.BLOCK_LENGTH)
        {
            return "block length " + blockLength + " is not " + RecordBatchDecoder.BLOCK_LENGTH;
        }

        final int batchLength = batchLength(buffer, offset);
        if (batchLength != length)
        {
            return "batchLength " + batchLength + " does not match the " + length + " bytes received";
        }

        final int storedCrc = crc(buffer, offset);
        final int computedCrc = computeCrc(buffer, offset, length);
        if (storedCrc != computedCrc)
        {
            return "crc mismatch: stored 0x" + Integer.toHexString(storedCrc) +
                ", computed 0x" + Integer.toHexString(computedCrc);
        }

        final int recordBlockLength = buffer.getShort(offset + RECORDS_GROUP_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
        final int count = recordCount(buffer, offset);
        if (recordBlockLength != RECORD_BLOCK_LENGTH)
        {
            return "records block length " + recordBlockLength + " is not " + RECORD_BLOCK_LENGTH;
        }
        if (0 == count)
        {
            return "batch has no records";
        }
        if (count > MAX_RECORDS)
        {
            return "record count " + count + " exceeds the maximum of " + MAX_RECORDS;
        }

        final int end = offset + length;
        int position = offset + FIRST_RECORD_OFFSET;
        int previousDelta = -1;
        long maxTimestamp = Long.MIN_VALUE;
        long firstTimestamp = 0;
        for (int i = 0; i < count; i++)
        {
            if (end - position < RECORD_BLOCK_LENGTH + HEADERS_GROUP_HEADER_SIZE)
            {
                return "record " + i + " runs past the end of the batch";
            }

            final int offsetDelta = buffer.getInt(position, LITTLE_ENDIAN);
            final long timestamp = buffer.getLong(position + RECORD_TIMESTAMP_OFFSET, LITTLE_ENDIAN);
            final int flags = buffer.getByte(position + RECORD_FLAGS_OFFSET) & 0xFF;
            if (0 == i ? offsetDelta != 0 : offsetDelta <= previousDelta)
            {
                return "record " + i + " has offsetDelta " + offsetDelta +
                    (0 == i ? ", the first must be 0" : ", not above the previous " + previousDelta);
            }
            if ((flags & ~(FLAG_KEY_NULL | FLAG_VALUE_NULL)) != 0)
            {
                return "record " + i + " has unknown flags 0x" + Integer.toHexString(flags);
            }
            previousDelta = offsetDelta;
            firstTimestamp = 0 == i ? timestamp : firstTimestamp;
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            position += RECORD_BLOCK_LENGTH;

            final int headersBlockLength = buffer.getShort(position, LITTLE_ENDIAN) & 0xFFFF;
            final int headerCount = buffer.getShort(position + 2, LITTLE_ENDIAN) & 0xFFFF;
            if (headersBlockLength != HEADERS_BLOCK_LENGTH)
            {
                return "record " + i + " headers block length " + headersBlockLength + " is not " +
                    HEADERS_BLOCK_LENGTH;
            }
            position += HEADERS_GROUP_HEADER_SIZE;

            for (int h = 0; h < headerCount; h++)
            {
                if (end - position < HEADER_KEY_LENGTH_SIZE)
                {
                    return "record " + i + " header " + h + " runs past the end of the batch";
                }
                final int keyLength = buffer.getShort(position, LITTLE_ENDIAN) & 0xFFFF;
                position += HEADER_KEY_LENGTH_SIZE;
                if (end - position < keyLength + VAR_DATA_LENGTH_SIZE)
                {
                    return "record " + i + " header " + h + " key runs past the end of the batch";
                }
                position += keyLength;
                final int valueLength = buffer.getInt(position, LITTLE_ENDIAN);
                position += VAR_DATA_LENGTH_SIZE;
                if (valueLength < 0 || valueLength > end - position)
                {
                    return "record " + i + " header " + h + " value of " + (valueLength & 0xFFFF_FFFFL) +
                        " bytes runs past the end of the batch";
                }
                position += valueLength;
            }

            for (int field = 0; field < 2; field++)
            {
                final String name = 0 == field ? "key" : "value";
                if (end - position < VAR_DATA_LENGTH_SIZE)
                {
                    return "record " + i + " " + name + " runs past the end of the batch";
                }
                final int fieldLength = buffer.getInt(position, LITTLE_ENDIAN);
                position += VAR_DATA_LENGTH_SIZE;
                if (fieldLength < 0 || fieldLength > end - position)
                {
                    return "record " + i + " " + name + " of " + (fieldLength & 0xFFFF_FFFFL) +
                        " bytes runs past the end of the batch";
                }
                if (fieldLength != 0 && (flags & (0 == field ? FLAG_KEY_NULL : FLAG_VALUE_NULL)) != 0)
                {
                    return "record " + i + " " + name + " is flagged null but has " + fieldLength + " bytes";
                }
                position += fieldLength;
            }
        }

        if (position != end)
        {
            return (end - position) + " bytes follow the last record";
        }

        final int lastOffsetDelta = lastOffsetDelta(buffer, offset);
        if (lastOffsetDelta != previousDelta)
        {
            return "lastOffsetDelta " + lastOffsetDelta + " does not match the last record's " + previousDelta;
        }

        final long storedFirst = buffer.getLong(offset + FIRST_TIMESTAMP_OFFSET, LITTLE_ENDIAN);
        final long storedMax = maxTimestamp(buffer, offset);
        if (storedFirst != firstTimestamp || storedMax != maxTimestamp)
        {
            return "firstTimestamp " + storedFirst + " / maxTimestamp " + storedMax +
                " do not match the records' " + firstTimestamp + " / " + maxTimestamp;
        }

        return null;
    }
}
