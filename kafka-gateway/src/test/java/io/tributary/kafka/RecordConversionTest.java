package io.tributary.kafka;

import io.tributary.log.internal.record.RecordBatches;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordConversionTest
{
    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aKafkaBatchBecomesOneTributaryBatchAndComesBackTheSame(final CompressionType type)
    {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2,
            Compression.of(type).build(), TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, 77L, (short)3, 40,
            false, 0);
        builder.append(1000L, null, bytes("no key"), new Header[] {new RecordHeader("h", bytes("1"))});
        builder.append(1001L, bytes("tombstone"), null, new Header[0]);
        builder.append(999L, bytes(""), bytes(""), new Header[] {
            new RecordHeader("a", bytes("x")), new RecordHeader("a", new byte[0])});
        final List<RecordConversion.Converted> converted = RecordConversion.toTributary(builder.build(), 1024 * 1024);
        assertEquals(1, converted.size());
        final RecordConversion.Converted batch = converted.get(0);
        assertEquals(3, batch.recordCount());
        assertEquals(null, RecordBatches.validate(batch.buffer(), 0, batch.length()), "a valid Tributary batch");
        assertEquals(RecordConversion.tributaryProducerId(77L, (short)3),
            RecordBatches.producerId(batch.buffer(), 0));
        assertEquals(40, RecordBatches.baseSequence(batch.buffer(), 0));

        // As the cluster stores it: base offset set at append.
        final UnsafeBuffer stored = new UnsafeBuffer(new byte[batch.length()]);
        stored.putBytes(0, batch.buffer(), 0, batch.length());
        RecordBatches.setBaseOffsetAndAppendTime(stored, 0, 500L, 123L);
        final MemoryRecords back = RecordConversion.toKafka(stored, 0, batch.length());
        final RecordBatch kafkaBatch = back.batches().iterator().next();
        kafkaBatch.ensureValid();
        assertEquals(500L, kafkaBatch.baseOffset());
        assertEquals(502L, kafkaBatch.lastOffset());
        assertEquals(77L, kafkaBatch.producerId());
        assertEquals(3, kafkaBatch.producerEpoch());
        assertEquals(40, kafkaBatch.baseSequence());
        final List<Record> records = new ArrayList<>();
        kafkaBatch.forEach(records::add);
        assertEquals(3, records.size());
        assertFalse(records.get(0).hasKey());
        assertEquals("no key", string(records.get(0).value()));
        assertEquals("h", records.get(0).headers()[0].key());
        assertEquals(1000L, records.get(0).timestamp());
        assertFalse(records.get(1).hasValue(), "a tombstone stays a tombstone");
        assertEquals(501L, records.get(1).offset());
        assertTrue(records.get(2).hasKey());
        assertEquals(0, records.get(2).keySize(), "an empty key is not a null key");
        assertEquals(999L, records.get(2).timestamp());
        assertEquals(2, records.get(2).headers().length);
        assertArrayEquals(new byte[0], records.get(2).headers()[1].value());
    }

    @Test
    void aBatchLargerOnceDecompressedBecomesConsecutiveBatchesWithinTheLimit()
    {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024),
            RecordBatch.MAGIC_VALUE_V2, Compression.zstd().build(), TimestampType.CREATE_TIME, 0L,
            RecordBatch.NO_TIMESTAMP, 9L, (short)0, 10, false, 0);
        final int records = 70_000;
        for (int i = 0; i < records; i++)
        {
            builder.append(i, null, ("value-" + (i % 10) + "a".repeat(i % 3 == 0 ? 40 : 0)).getBytes(StandardCharsets.UTF_8));
        }
        final MemoryRecords compressed = builder.build();
        assertTrue(compressed.sizeInBytes() < 1024 * 1024, "small compressed: " + compressed.sizeInBytes());
        final List<RecordConversion.Converted> converted = RecordConversion.toTributary(compressed, 512 * 1024);
        assertTrue(converted.size() > 1);
        int sequence = 10;
        int total = 0;
        for (final RecordConversion.Converted batch : converted)
        {
            assertEquals(null, RecordBatches.validate(batch.buffer(), 0, batch.length()));
            assertTrue(batch.length() <= 512 * 1024, "within max.message.bytes: " + batch.length());
            assertTrue(batch.recordCount() <= RecordBatches.MAX_RECORDS);
            assertEquals(sequence, RecordBatches.baseSequence(batch.buffer(), 0), "sequences continue each other");
            assertEquals(RecordConversion.tributaryProducerId(9L, (short)0), RecordBatches.producerId(batch.buffer(), 0));
            sequence += batch.recordCount();
            total += batch.recordCount();
        }
        assertEquals(records, total);
        assertEquals(converted.size(), RecordConversion.toTributary(compressed, 512 * 1024).size(),
            "the same batch sent again splits the same way");
    }

    @Test
    void batchesOfAProducerWithoutIdStayWithout()
    {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE,
            TimestampType.CREATE_TIME, 0L);
        builder.append(5L, bytes("k"), bytes("v"));
        final RecordConversion.Converted batch = RecordConversion.toTributary(builder.build(), 1024 * 1024).get(0);
        assertEquals(-1L, RecordBatches.producerId(batch.buffer(), 0));
        final RecordBatch back = RecordConversion.toKafka(batch.buffer(), 0, batch.length()).batches().iterator().next();
        assertFalse(back.hasProducerId());
    }

    @Test
    void transactionalBatchesAreRefused()
    {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2,
            Compression.NONE, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, 5L, (short)0, 0, true, 0);
        builder.append(5L, bytes("k"), bytes("v"));
        assertThrows(RecordConversion.UnsupportedBatchException.class,
            () -> RecordConversion.toTributary(builder.build(), 1024 * 1024));
    }

    @Test
    void aBatchFailingItsCrcIsRefused()
    {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE,
            TimestampType.CREATE_TIME, 0L);
        builder.append(5L, bytes("key"), bytes("value"));
        final ByteBuffer bytes = builder.build().buffer();
        bytes.put(bytes.limit() - 2, (byte)(bytes.get(bytes.limit() - 2) ^ 1));
        assertThrows(org.apache.kafka.common.errors.CorruptRecordException.class,
            () -> RecordConversion.toTributary(MemoryRecords.readableRecords(bytes), 1024 * 1024));
    }

    @Test
    void nothingToConvertIsEmpty()
    {
        assertEquals(0, RecordConversion.toKafka(new UnsafeBuffer(new byte[0]), 0, 0).sizeInBytes());
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
