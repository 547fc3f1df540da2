package io.tributary.kafka;

import io.tributary.log.Header;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.CloseableIterator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka record batches (magic v2) to and from Tributary's {@code RecordBatch}: one Kafka batch is one Tributary batch
 * and back, with the same keys (null stays null), values (tombstones stay null), headers (in order), create
 * timestamps, offsets (base offset and deltas), producer id and base sequence. So a record written by a Kafka
 * producer and one written by Tributary's are the same record to either kind of consumer.
 * <p>
 * Producer epochs: Tributary's idempotence has none, and the gateway's InitProducerId answers epoch 0. A Kafka producer
 * bumps the epoch itself when it gives up on a sequence (a batch past its delivery timeout) and starts again at
 * sequence 0; to the cluster that must be a new producer, so the Tributary producer id of a batch is the Kafka one
 * plus the epoch times 2^40 ({@link #tributaryProducerId}), which reads split back. Cluster-allocated ids never get
 * near 2^40.
 * <p>
 * What does not carry over: a Kafka batch's compression (Tributary stores records uncompressed; fetches answer them
 * uncompressed) and the partition leader epoch (always 0).
 * <p>
 * Threading: stateless; safe from any thread.
 */
final class RecordConversion
{
    private static final int EPOCH_SHIFT = 40;
    private static final long PRODUCER_ID_MASK = (1L << EPOCH_SHIFT) - 1;

    private RecordConversion()
    {
    }

    /**
     * @return the producer id a Kafka producer's batches carry in Tributary: distinct per epoch.
     * @throws UnsupportedBatchException for an id no InitProducerId gave out.
     */
    static long tributaryProducerId(final long kafkaProducerId, final short epoch)
    {
        if (kafkaProducerId < 0 || kafkaProducerId > PRODUCER_ID_MASK || epoch < 0)
        {
            throw new UnsupportedBatchException("producer id " + kafkaProducerId + " with epoch " + epoch +
                " was not given out by this gateway's InitProducerId");
        }
        return kafkaProducerId + ((long)epoch << EPOCH_SHIFT);
    }

    /** Why a Kafka batch cannot be written. */
    static final class UnsupportedBatchException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        UnsupportedBatchException(final String message)
        {
            super(message);
        }
    }

    /** A Tributary batch built from (part of) a Kafka one, with its record count. */
    record Converted(DirectBuffer buffer, int length, int recordCount)
    {
    }

    /**
     * Convert a produce request's records for one partition. A Kafka batch is usually one Tributary batch; one that
     * would exceed {@code maxBatchBytes} once decompressed (Kafka's size limits apply to compressed bytes) or hold
     * more than {@link RecordBatches#MAX_RECORDS} records becomes several, in order, whose sequence numbers continue
     * each other's: the cluster sees consecutive batches of the producer, and the same Kafka batch sent again is
     * split the same way, so each part is answered as a duplicate.
     *
     * @param records       a produce request's records for one partition.
     * @param maxBatchBytes the topic's {@code max.message.bytes}: a Tributary batch holds no more.
     * @return Tributary batches, in order.
     * @throws RecordTooLargeException when one record alone exceeds {@code maxBatchBytes}: nothing of the request's
     *                                 records for the partition may be appended then, as a Kafka broker refuses the
     *                                 whole batch, so that the producer can split it and resend the other records
     *                                 under the same sequence numbers.
     * @throws org.apache.kafka.common.errors.CorruptRecordException when a batch fails its CRC.
     * @throws UnsupportedBatchException for an old message format or a transactional or control batch.
     */
    static List<Converted> toTributary(final MemoryRecords records, final int maxBatchBytes)
    {
        final List<Converted> result = new ArrayList<>();
        for (final RecordBatch batch : records.batches())
        {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2)
            {
                throw new UnsupportedBatchException("message format v" + batch.magic() + " is not supported; v2 only");
            }
            batch.ensureValid();
            if (batch.isTransactional() || batch.isControlBatch())
            {
                throw new UnsupportedBatchException("transactional batches are not supported by the Tributary gateway");
            }
            final long producerId = batch.hasProducerId() ?
                tributaryProducerId(batch.producerId(), batch.producerEpoch()) : -1;
            final RecordBatchBuilder builder = new RecordBatchBuilder(
                Math.max(maxBatchBytes, RecordBatches.FIRST_RECORD_OFFSET + 64), 4096);
            builder.reset(-1, 0);
            int count = 0;
            try (CloseableIterator<Record> it = batch.streamingIterator(
                org.apache.kafka.common.utils.BufferSupplier.NO_CACHING))
            {
                while (it.hasNext())
                {
                    final Record record = it.next();
                    final org.apache.kafka.common.header.Header[] kafkaHeaders = record.headers();
                    final List<Header> headers = new ArrayList<>(kafkaHeaders.length);
                    for (final org.apache.kafka.common.header.Header h : kafkaHeaders)
                    {
                        headers.add(new Header(h.key(), h.value() == null ? new byte[0] : h.value()));
                    }
                    final byte[] key = bytes(record.hasKey() ? record.key() : null);
                    final byte[] value = bytes(record.hasValue() ? record.value() : null);
                    if (!builder.tryAppend(record.timestamp(), key, value, headers))
                    {
                        result.add(finish(builder, producerId, batch.baseSequence() + count - builder.recordCount()));
                        builder.reset(-1, 0);
                        builder.tryAppend(record.timestamp(), key, value, headers);
                    }
                    if (builder.recordCount() == 1 && builder.sizeInBytes() > maxBatchBytes)
                    {
                        throw new RecordTooLargeException("record " + (record.offset() - batch.baseOffset()) +
                            " of the batch takes a batch of " + builder.sizeInBytes() + " bytes on its own, more " +
                            "than the topic's max.message.bytes=" + maxBatchBytes + "; nothing of the batch was written");
                    }
                    count++;
                }
            }
            if (builder.recordCount() > 0)
            {
                result.add(finish(builder, producerId, batch.baseSequence() + count - builder.recordCount()));
            }
        }
        return result;
    }

    private static Converted finish(final RecordBatchBuilder builder, final long producerId, final int baseSequence)
    {
        final int length = builder.finish();
        if (producerId >= 0)
        {
            builder.stampProducer(producerId, baseSequence);
        }
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        copy.putBytes(0, builder.buffer(), 0, length);
        return new Converted(copy, length, builder.recordCount());
    }

    /**
     * Convert whole Tributary batches, back to back, to Kafka batches with the same offsets.
     *
     * @param buffer the batches.
     * @param offset where they start.
     * @param length their bytes.
     * @return Kafka records (uncompressed).
     */
    static MemoryRecords toKafka(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length == 0)
        {
            return MemoryRecords.EMPTY;
        }
        final List<ByteBuffer> batches = new ArrayList<>();
        int total = 0;
        final RecordBatchReader reader = new RecordBatchReader();
        int position = offset;
        final int end = offset + length;
        while (position < end)
        {
            final int batchLength = RecordBatches.batchLength(buffer, position);
            reader.wrap(buffer, position, batchLength);
            final long producerId = reader.producerId();
            final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(batchLength + 64),
                RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, reader.baseOffset(),
                RecordBatch.NO_TIMESTAMP,
                producerId >= 0 ? producerId & PRODUCER_ID_MASK : RecordBatch.NO_PRODUCER_ID,
                producerId >= 0 ? (short)(producerId >>> EPOCH_SHIFT) : RecordBatch.NO_PRODUCER_EPOCH,
                producerId >= 0 ? reader.baseSequence() : RecordBatch.NO_SEQUENCE,
                false, 0);
            while (reader.next())
            {
                final List<Header> headers = reader.headers();
                final org.apache.kafka.common.header.Header[] kafkaHeaders =
                    new org.apache.kafka.common.header.Header[headers.size()];
                for (int i = 0; i < kafkaHeaders.length; i++)
                {
                    kafkaHeaders[i] = new RecordHeader(headers.get(i).key(), headers.get(i).value());
                }
                builder.appendWithOffset(reader.offset(), reader.timestamp(),
                    reader.isKeyNull() ? null : reader.key(),
                    reader.isValueNull() ? null : reader.value(),
                    kafkaHeaders);
            }
            final ByteBuffer built = builder.build().buffer();
            batches.add(built);
            total += built.remaining();
            position += batchLength;
        }
        final ByteBuffer result = ByteBuffer.allocate(total);
        for (final ByteBuffer batch : batches)
        {
            result.put(batch);
        }
        return MemoryRecords.readableRecords(result.flip());
    }

    private static byte[] bytes(final ByteBuffer buffer)
    {
        if (buffer == null)
        {
            return null;
        }
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
