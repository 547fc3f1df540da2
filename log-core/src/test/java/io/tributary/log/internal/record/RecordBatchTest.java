package io.tributary.log.internal.record;

import io.tributary.log.Header;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.RecordBatchDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.*;

class RecordBatchTest
{
    private final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
    private final RecordBatchReader reader = new RecordBatchReader();

    @Test
    void fieldOffsetsMatchTheDocumentedFormat()
    {
        assertEquals(8, RecordBatches.BATCH_LENGTH_OFFSET);
        assertEquals(12, RecordBatches.BASE_OFFSET_OFFSET);
        assertEquals(20, RecordBatches.APPEND_TIME_OFFSET);
        assertEquals(28, RecordBatches.CRC_OFFSET);
        assertEquals(32, RecordBatches.CRC_START_OFFSET);
        assertEquals(72, RecordBatches.FIRST_RECORD_OFFSET);
    }

    @Test
    void roundTripsNullAndEmptyKeysValuesAndHeaders()
    {
        final List<Header> headers = List.of(
            new Header("trace-id", "abc".getBytes(StandardCharsets.UTF_8)),
            new Header("ключ-\uD83D\uDE00-ü", new byte[0]),
            new Header("trace-id", new byte[] {1, 2, 3}));

        builder.reset(42, 7);
        assertTrue(builder.tryAppend(1000, null, bytes("v0"), null));
        assertTrue(builder.tryAppend(1005, bytes("k1"), null, List.of()));
        assertTrue(builder.tryAppend(999, new byte[0], new byte[0], headers));
        assertTrue(builder.tryAppend(1003, bytes("k3"), bytes("v3"), headers));
        final int length = builder.finish();
        assertEquals(length, builder.sizeInBytes());
        assertNull(RecordBatches.validate(builder.buffer(), 0, length));

        final UnsafeBuffer copy = copyOf(builder.buffer(), length);
        RecordBatches.setBaseOffsetAndAppendTime(copy, 0, 100, 77);
        reader.wrap(copy, 0, length);
        assertEquals(4, reader.recordCount());
        assertEquals(100, reader.baseOffset());
        assertEquals(103, reader.lastOffset());
        assertEquals(77, reader.appendTime());
        assertEquals(1005, reader.maxTimestamp());
        assertEquals(42, reader.producerId());
        assertEquals(7, reader.baseSequence());

        assertTrue(reader.next());
        assertEquals(100, reader.offset());
        assertEquals(1000, reader.timestamp());
        assertNull(reader.key());
        assertArrayEquals(bytes("v0"), reader.value());
        assertEquals(List.of(), reader.headers());

        assertTrue(reader.next());
        assertEquals(101, reader.offset());
        assertArrayEquals(bytes("k1"), reader.key());
        assertNull(reader.value());

        assertTrue(reader.next());
        assertEquals(102, reader.offset());
        assertEquals(999, reader.timestamp());
        assertNotNull(reader.key());
        assertEquals(0, reader.key().length);
        assertNotNull(reader.value());
        assertEquals(0, reader.value().length);
        assertEquals(headers, reader.headers());

        assertTrue(reader.next());
        assertEquals(103, reader.offset());
        assertArrayEquals(bytes("k3"), reader.key());
        assertArrayEquals(bytes("v3"), reader.value());
        assertEquals(headers, reader.headers());
        assertFalse(reader.next());
    }

    @Test
    void generatedSbeDecoderReadsWhatTheBuilderWrites()
    {
        final int length = sampleBatch();
        final RecordBatchDecoder decoder =
            new RecordBatchDecoder().wrapAndApplyHeader(builder.buffer(), 0, new MessageHeaderDecoder());
        assertEquals(length, decoder.batchLength());
        assertEquals(2, decoder.lastOffsetDelta());
        final RecordBatchDecoder.RecordsDecoder records = decoder.records();
        assertEquals(3, records.count());
        records.next();
        assertEquals(10, records.timestamp());
        final RecordBatchDecoder.RecordsDecoder.HeadersDecoder headers = records.headers();
        assertEquals(1, headers.count());
        headers.next();
        assertEquals("h", headers.headerKey());
        assertEquals(2, headers.skipHeaderValue());
        final byte[] key = new byte[3];
        records.getKey(key, 0, 3);
        assertArrayEquals(bytes("key"), key);
        assertEquals(5, records.skipValue());
        while (records.hasNext())
        {
            records.next();
            records.headers();
            records.skipKey();
            records.skipValue();
        }
        assertEquals(length, decoder.limit());
    }

    @Test
    void utf8LengthMatchesTheJdkEncoder()
    {
        for (final String s : new String[] {"", "ascii", "é", "中文", "\uD83D\uDE00", "\uD800 lone", "x\uDC00"})
        {
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, RecordBatchBuilder.utf8Length(s), s);
        }
    }

    @Test
    void stopsAtMaxBatchBytesButAlwaysTakesTheFirstRecord()
    {
        final RecordBatchBuilder small = new RecordBatchBuilder(1024);
        small.reset(-1, 0);
        assertTrue(small.tryAppend(1, null, new byte[5000], null), "first record is always accepted");
        assertFalse(small.tryAppend(1, null, new byte[1], null));
        assertNull(RecordBatches.validate(small.buffer(), 0, small.finish()));

        small.reset(-1, 0);
        int appended = 0;
        while (small.tryAppend(1, null, new byte[100], null))
        {
            appended++;
        }
        assertTrue(small.sizeInBytes() <= 1024);
        assertTrue(small.sizeInBytes() + 100 + RecordBatches.RECORD_OVERHEAD > 1024);
        assertEquals(appended, small.recordCount());
    }

    @Test
    void stopsAtTheMaximumRecordCount()
    {
        final RecordBatchBuilder big = new RecordBatchBuilder(Integer.MAX_VALUE / 2);
        big.reset(-1, 0);
        for (int i = 0; i < RecordBatches.MAX_RECORDS; i++)
        {
            assertTrue(big.tryAppend(i, null, null, null));
        }
        assertFalse(big.tryAppend(0, null, null, null));
        final int length = big.finish();
        assertNull(RecordBatches.validate(big.buffer(), 0, length));
        reader.wrap(big.buffer(), 0, length);
        assertEquals(RecordBatches.MAX_RECORDS - 1, reader.lastOffset());
    }

    @Test
    void finishWithoutRecordsIsRefused()
    {
        builder.reset(-1, 0);
        assertThrows(IllegalStateException.class, builder::finish);
    }

    @Test
    void crcDetectsAFlippedBitAnywhereAfterTheCrcField()
    {
        final int length = sampleBatch();
        final UnsafeBuffer copy = copyOf(builder.buffer(), length);
        for (int i = RecordBatches.CRC_START_OFFSET; i < length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                copy.putByte(i, (byte)(copy.getByte(i) ^ (1 << bit)));
                assertNotNull(RecordBatches.validate(copy, 0, length), "flip at " + i + " bit " + bit);
                copy.putByte(i, (byte)(copy.getByte(i) ^ (1 << bit)));
            }
        }
        assertNull(RecordBatches.validate(copy, 0, length));
    }

    @Test
    void patchingBaseOffsetAndAppendTimeKeepsTheCrcValid()
    {
        final int length = sampleBatch();
        final UnsafeBuffer copy = copyOf(builder.buffer(), length);
        final int crc = RecordBatches.crc(copy, 0);
        RecordBatches.setBaseOffsetAndAppendTime(copy, 0, Long.MAX_VALUE - 10, 1_700_000_000_000L);
        assertEquals(crc, RecordBatches.crc(copy, 0));
        assertNull(RecordBatches.validate(copy, 0, length));
        assertEquals(Long.MAX_VALUE - 10, RecordBatches.baseOffset(copy, 0));
    }

    @Test
    void validatesInDirectAndOffsetBuffers()
    {
        final int length = sampleBatch();
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(length + 100));
        direct.putBytes(37, builder.buffer(), 0, length);
        assertNull(RecordBatches.validate(direct, 37, length));

        final UnsafeBuffer slice = new UnsafeBuffer(direct, 30, length + 7);
        assertNull(RecordBatches.validate(slice, 7, length));
    }

    @Test
    void rejectsTruncatedAndWronglySizedBatches()
    {
        final int length = sampleBatch();
        final DirectBuffer buffer = builder.buffer();
        for (int cut = 0; cut < length; cut++)
        {
            assertNotNull(RecordBatches.validate(buffer, 0, cut), "truncated to " + cut);
        }

        final UnsafeBuffer longer = new UnsafeBuffer(new byte[length + 8]);
        longer.putBytes(0, buffer, 0, length);
        assertTrue(RecordBatches.validate(longer, 0, length + 8).contains("batchLength"));
    }

    @Test
    void explainsWhatIsWrong()
    {
        final int length = sampleBatch();
        final UnsafeBuffer copy = copyOf(builder.buffer(), length);
        copy.putShort(2, (short)99);
        assertTrue(RecordBatches.validate(copy, 0, length).contains("template id 99"));

        final UnsafeBuffer badCrc = copyOf(builder.buffer(), length);
        badCrc.putInt(RecordBatches.CRC_OFFSET, 0);
        assertTrue(RecordBatches.validate(badCrc, 0, length).contains("crc"));

        final UnsafeBuffer badDelta = copyOf(builder.buffer(), length);
        badDelta.putInt(RecordBatches.LAST_OFFSET_DELTA_OFFSET, 9);
        recomputeCrc(badDelta, length);
        assertTrue(RecordBatches.validate(badDelta, 0, length).contains("lastOffsetDelta"));

        final UnsafeBuffer noRecords = copyOf(builder.buffer(), RecordBatches.FIRST_RECORD_OFFSET);
        noRecords.putInt(RecordBatches.BATCH_LENGTH_OFFSET, RecordBatches.FIRST_RECORD_OFFSET);
        noRecords.putShort(RecordBatches.RECORD_COUNT_OFFSET, (short)0);
        recomputeCrc(noRecords, RecordBatches.FIRST_RECORD_OFFSET);
        assertEquals("batch has no records", RecordBatches.validate(noRecords, 0, RecordBatches.FIRST_RECORD_OFFSET));

        final UnsafeBuffer hugeKey = copyOf(builder.buffer(), length);
        final int firstKeyLength = RecordBatches.FIRST_RECORD_OFFSET + RecordBatches.RECORD_BLOCK_LENGTH +
            RecordBatches.HEADERS_GROUP_HEADER_SIZE;
        hugeKey.putInt(firstKeyLength, 0x7000_0000);
        recomputeCrc(hugeKey, length);
        assertTrue(RecordBatches.validate(hugeKey, 0, length).contains("runs past the end"));
    }

    @Test
    void garbageNeverThrows()
    {
        final Random random = new Random(20240601L);
        final int sample = sampleBatch();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
        for (int i = 0; i < 10_000; i++)
        {
            final int length = random.nextInt(1024);
            final byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            buffer.putBytes(0, bytes);
            if (random.nextBoolean() && length >= RecordBatches.CRC_START_OFFSET)
            {
                // Plausible header and a matching CRC, so the walk over records is exercised too.
                buffer.putBytes(0, builder.buffer(), 0, Math.min(length, sample));
                buffer.putInt(RecordBatches.BATCH_LENGTH_OFFSET, length);
                if (length > sample)
                {
                    buffer.putBytes(sample, bytes, 0, length - sample);
                }
                buffer.putInt(random.nextInt(length - 3), random.nextInt());
                recomputeCrc(buffer, length);
            }
            final int offset = random.nextInt(8);
            final String error = RecordBatches.validate(buffer, offset, length);
            if (offset != 0 || length != sample)
            {
                assertNotNull(error, "iteration " + i);
            }
        }
    }

    @Test
    void walksBackToBackBatches()
    {
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer();
        int position = 0;
        for (int b = 0; b < 3; b++)
        {
            builder.reset(-1, 0);
            for (int r = 0; r <= b; r++)
            {
                builder.tryAppend(r, null, bytes("b" + b + "r" + r), null);
            }
            final int length = builder.finish();
            response.putBytes(position, builder.buffer(), 0, length);
            RecordBatches.setBaseOffsetAndAppendTime(response, position, 10 * b, 0);
            position += length;
        }

        final List<String> seen = new ArrayList<>();
        final int walked = RecordBatches.forEachBatch(response, 0, position + 5, (buffer, offset, length) ->
        {
            assertNull(RecordBatches.validate(buffer, offset, length));
            reader.wrap(buffer, offset, length);
            while (reader.next())
            {
                seen.add(reader.offset() + "=" + new String(reader.value(), StandardCharsets.UTF_8));
            }
        });
        assertEquals(position, walked, "the 5 trailing bytes are not a batch");
        assertEquals(List.of("0=b0r0", "10=b1r0", "11=b1r1", "20=b2r0", "21=b2r1", "22=b2r2"), seen);
    }

    private int sampleBatch()
    {
        builder.reset(5, 0);
        builder.tryAppend(10, bytes("key"), bytes("value"), List.of(new Header("h", bytes("hv"))));
        builder.tryAppend(11, null, bytes("second"), null);
        builder.tryAppend(12, bytes("k"), null, null);
        return builder.finish();
    }

    private static void recomputeCrc(final MutableDirectBuffer buffer, final int length)
    {
        buffer.putInt(RecordBatches.CRC_OFFSET, RecordBatches.computeCrc(buffer, 0, length), LITTLE_ENDIAN);
    }

    private static UnsafeBuffer copyOf(final DirectBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return new UnsafeBuffer(bytes);
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
