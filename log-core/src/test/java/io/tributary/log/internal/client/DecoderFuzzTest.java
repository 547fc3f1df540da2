package io.tributary.log.internal.client;

import io.tributary.log.ErrorCode;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.AdminResponseEncoder;
import io.tributary.log.internal.codecs.DescribeGroupResponseDecoder;
import io.tributary.log.internal.codecs.FetchResponseDecoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseDecoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseDecoder;
import io.tributary.log.internal.codecs.ListGroupsResponseDecoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MetadataResponseDecoder;
import io.tributary.log.internal.codecs.NodeStatusResponseDecoder;
import io.tributary.log.internal.codecs.OffsetFetchResponseDecoder;
import io.tributary.log.internal.codecs.ProduceResponseDecoder;
import io.tributary.log.internal.codecs.SegmentListResponseDecoder;
import io.tributary.log.internal.codecs.SegmentReadResponseDecoder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a client reads from a broken or hostile server, fed hostile: every response template, decoded whole the way
 * the clients do, through {@link ResponseHandler#deliver}; and record batches, as a consumer checks and reads them.
 * A response that cannot be read must end its request with one {@code UNKNOWN_ERROR}, never escape to the
 * conductor thread or leave the request waiting; {@link RecordBatches#validate} must never throw, and a batch it
 * passes must read back whole.
 */
@Timeout(300)
class DecoderFuzzTest
{
    private static final long HANG_BOUND_NS = TimeUnit.SECONDS.toNanos(5);

    @Test
    void hostileResponsesFailTheirRequestCleanly()
    {
        final HostileInput input = new HostileInput(3, HostileResponses.corpus());
        final int count = HostileInput.count(0.2);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
        final Handler handler = new Handler();
        long failed = 0;
        long slowestNs = 0;
        for (int i = 0; i < count; i++)
        {
            final byte[] bytes = input.next();
            buffer.putBytes(16, bytes);
            buffer.setMemory(16 + bytes.length, 256, (byte)0x7f);
            handler.responses = 0;
            handler.failures = 0;
            final long startNs = System.nanoTime();
            try
            {
                ResponseHandler.deliver(handler, buffer, 16, bytes.length, (i & 1) == 0);
            }
            catch (final RuntimeException ex)
            {
                throw new AssertionError("escaped to the conductor: " + ex + "; " + input.describe(bytes), ex);
            }
            final long tookNs = System.nanoTime() - startNs;
            slowestNs = Math.max(slowestNs, tookNs);
            if (tookNs > HANG_BOUND_NS)
            {
                fail("took " + tookNs / 1_000_000 + " ms; " + input.describe(bytes));
            }
            assertEquals(1, handler.responses + handler.failures, () -> input.describe(bytes));
            failed += handler.failures;
        }
        assertTrue(failed > 0);
        input.report("client response decoding", count, failed + " failed their request as unreadable, " +
            (count - failed) + " read, slowest " + slowestNs / 1_000_000 + " ms");
    }

    @Test
    void hostileRecordBatchesAreRefusedAndValidOnesReadWhole()
    {
        final List<byte[]> batches = new ArrayList<>();
        for (int n = 1; n <= 4; n++)
        {
            batches.add(HostileResponses.batch(n));
        }
        final HostileInput input = new HostileInput(4, batches);
        final int count = HostileInput.count(0.3);
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
        final RecordBatchReader reader = new RecordBatchReader();
        long valid = 0;
        for (int i = 0; i < count; i++)
        {
            final byte[] bytes = input.next();
            if ((i & 3) == 0 && bytes.length >= RecordBatches.CRC_START_OFFSET)
            {
                // A mutation behind a CRC made to match, so the structural checks are reached too.
                final UnsafeBuffer b = new UnsafeBuffer(bytes);
                b.putInt(RecordBatches.CRC_OFFSET, RecordBatches.computeCrc(b, 0, bytes.length),
                    java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            buffer.putBytes(8, bytes);
            buffer.setMemory(8 + bytes.length, 64, (byte)0x01);
            final String problem;
            try
            {
                problem = RecordBatches.validate(buffer, 8, bytes.length);
            }
            catch (final RuntimeException ex)
            {
                throw new AssertionError("validate threw " + ex + "; " + input.describe(bytes), ex);
            }
            if (problem == null)
            {
                valid++;
                final UnsafeBuffer alone = new UnsafeBuffer(bytes);
                reader.wrap(alone, 0, bytes.length);
                int records = 0;
                while (reader.next())
                {
                    reader.key();
                    reader.value();
                    reader.headers();
                    records++;
                }
                assertEquals(RecordBatches.recordCount(alone, 0), records, () -> input.describe(bytes));
            }
        }
        assertTrue(valid > 0);
        input.report("record batches (RecordBatches.validate, RecordBatchReader)", count,
            (count - valid) + " refused, " + valid + " valid and read whole");
    }

    @Test
    void aHandlerThatCannotReadItsResponseFailsItsRequestOnce()
    {
        final Handler handler = new Handler();
        final byte[] admin = HostileResponses.encode((b, h) -> new AdminResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(1).errorCode(io.tributary.log.internal.codecs.ErrorCode.NONE).errorMessage("fine")
            .encodedLength());
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[admin.length + 100]);
        buffer.putBytes(0, admin);
        buffer.putShort(admin.length - 6, (short)90, java.nio.ByteOrder.LITTLE_ENDIAN);
        // The message length excludes the bytes after it, so the message string's length runs past its end.
        ResponseHandler.deliver(handler, buffer, 0, admin.length, false);
        assertEquals(0, handler.responses);
        assertEquals(1, handler.failures);
        assertEquals(ErrorCode.UNKNOWN_ERROR, handler.lastCode);
        assertTrue(handler.lastMessage.startsWith("could not read the response"), handler.lastMessage);
    }

    /**
     * Reads a response whole, as the clients' handlers do; what it cannot read throws.
     */
    private static final class Handler implements ResponseHandler
    {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final StringBuilder text = new StringBuilder();
        private final RecordBatchReader reader = new RecordBatchReader();
        int responses;
        int failures;
        ErrorCode lastCode;
        String lastMessage;

        public void onResponse(final DirectBuffer buffer, final int offset, final int length)
        {
            header.wrap(buffer, offset);
            text.setLength(0);
            switch (header.templateId())
            {
                case ProduceResponseDecoder.TEMPLATE_ID ->
                    new ProduceResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case AdminResponseDecoder.TEMPLATE_ID ->
                    new AdminResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case MetadataResponseDecoder.TEMPLATE_ID ->
                    new MetadataResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case OffsetFetchResponseDecoder.TEMPLATE_ID ->
                    new OffsetFetchResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case InitProducerIdResponseDecoder.TEMPLATE_ID ->
                    new InitProducerIdResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case GroupHeartbeatResponseDecoder.TEMPLATE_ID ->
                    new GroupHeartbeatResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case ListGroupsResponseDecoder.TEMPLATE_ID ->
                    new ListGroupsResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case DescribeGroupResponseDecoder.TEMPLATE_ID ->
                    new DescribeGroupResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case ListOffsetsResponseDecoder.TEMPLATE_ID ->
                    new ListOffsetsResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case NodeStatusResponseDecoder.TEMPLATE_ID ->
                    new NodeStatusResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case SegmentListResponseDecoder.TEMPLATE_ID ->
                    new SegmentListResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case SegmentReadResponseDecoder.TEMPLATE_ID ->
                    new SegmentReadResponseDecoder().wrapAndApplyHeader(buffer, offset, header).appendTo(text);
                case FetchResponseDecoder.TEMPLATE_ID -> readFetch(buffer, offset);
                default -> throw new IllegalArgumentException("unknown template " + header.templateId());
            }
            responses++;
        }

        /**
         * As the consumer does: the records are checked batch by batch before any record is read.
         */
        private void readFetch(final DirectBuffer buffer, final int offset)
        {
            final FetchResponseDecoder decoder = new FetchResponseDecoder().wrapAndApplyHeader(buffer, offset, header);
            decoder.errorMessage();
            final UnsafeBuffer records = new UnsafeBuffer(0, 0);
            decoder.wrapRecords(records);
            int position = 0;
            while (position + RecordBatches.FIRST_RECORD_OFFSET <= records.capacity())
            {
                final int length = RecordBatches.batchLength(records, position);
                if (length <= 0 || position + length > records.capacity())
                {
                    break;
                }
                final String problem = RecordBatches.validate(records, position, length);
                if (problem != null)
                {
                    throw new IllegalStateException(problem);
                }
                reader.wrap(records, position, length);
                while (reader.next())
                {
                    reader.value();
                }
                position += length;
            }
        }

        public void onFailure(final ErrorCode code, final String message)
        {
            failures++;
            lastCode = code;
            lastMessage = message;
        }
    }

}
