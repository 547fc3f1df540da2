package io.tributary.log.internal.client;

import io.tributary.log.ErrorCode;
import io.tributary.log.Header;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.AdminResponseEncoder;
import io.tributary.log.internal.codecs.DescribeGroupResponseDecoder;
import io.tributary.log.internal.codecs.DescribeGroupResponseEncoder;
import io.tributary.log.internal.codecs.FetchResponseDecoder;
import io.tributary.log.internal.codecs.FetchResponseEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseDecoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseEncoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseDecoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseEncoder;
import io.tributary.log.internal.codecs.ListGroupsResponseDecoder;
import io.tributary.log.internal.codecs.ListGroupsResponseEncoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.MetadataResponseDecoder;
import io.tributary.log.internal.codecs.MetadataResponseEncoder;
import io.tributary.log.internal.codecs.NodeRole;
import io.tributary.log.internal.codecs.NodeStatusResponseDecoder;
import io.tributary.log.internal.codecs.NodeStatusResponseEncoder;
import io.tributary.log.internal.codecs.OffsetFetchResponseDecoder;
import io.tributary.log.internal.codecs.OffsetFetchResponseEncoder;
import io.tributary.log.internal.codecs.ProduceResponseDecoder;
import io.tributary.log.internal.codecs.ProduceResponseEncoder;
import io.tributary.log.internal.codecs.SegmentListResponseDecoder;
import io.tributary.log.internal.codecs.SegmentListResponseEncoder;
import io.tributary.log.internal.codecs.SegmentReadResponseDecoder;
import io.tributary.log.internal.codecs.SegmentReadResponseEncoder;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
        final HostileInput input = new HostileInput(3, responses());
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
            batches.add(batch(n));
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
        final byte[] admin = encode((b, h) -> new AdminResponseEncoder().wrapAndApplyHeader(b, 0, h)
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

    private static byte[] batch(final int records)
    {
        final RecordBatchBuilder builder = new RecordBatchBuilder(64 * 1024);
        builder.reset(records == 2 ? 7 : -1, records == 2 ? 3 : 0);
        for (int r = 0; r < records; r++)
        {
            final List<Header> headers = r % 2 == 0 ? List.of() :
                List.of(new Header("h" + r, ("v" + r).getBytes(StandardCharsets.UTF_8)));
            builder.tryAppend(1_000 + r, r == 1 ? null : ("k" + r).getBytes(StandardCharsets.UTF_8),
                r == 2 ? null : ("value-" + r).getBytes(StandardCharsets.UTF_8), headers);
        }
        final int length = builder.finish();
        final byte[] bytes = HostileInput.copy(builder.buffer(), 0, length);
        assertNull(RecordBatches.validate(new UnsafeBuffer(bytes), 0, length));
        return bytes;
    }

    private static List<byte[]> responses()
    {
        final io.tributary.log.internal.codecs.ErrorCode none = io.tributary.log.internal.codecs.ErrorCode.NONE;
        final List<byte[]> corpus = new ArrayList<>();
        corpus.add(encode((b, h) ->
        {
            final ProduceResponseEncoder e = new ProduceResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(1).errorCode(none);
            e.partitionsCount(2).next().partition(0).errorCode(none).baseOffset(10).appendTime(5).topic("t")
                .errorMessage("").next().partition(1).errorCode(none).baseOffset(3).appendTime(5).topic("t")
                .errorMessage("");
            return e.errorMessage("").encodedLength();
        }));
        corpus.add(encode((b, h) -> new AdminResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(2).errorCode(io.tributary.log.internal.codecs.ErrorCode.INVALID_REQUEST)
            .errorMessage("malformed request").encodedLength()));
        corpus.add(encode((b, h) ->
        {
            final MetadataResponseEncoder e = new MetadataResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(3).errorCode(none);
            final MetadataResponseEncoder.TopicsEncoder topics = e.topicsCount(1);
            topics.next().topicId(9);
            topics.partitionsCount(2).next().partition(0).startOffset(0).endOffset(4).next().partition(1)
                .startOffset(1).endOffset(2);
            topics.configsCount(1).next().key("retention.ms").value("1000");
            topics.name("t");
            return e.errorMessage("").encodedLength();
        }));
        corpus.add(encode((b, h) ->
        {
            final OffsetFetchResponseEncoder e = new OffsetFetchResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(4).errorCode(none);
            e.offsetsCount(2).next().partition(0).offset(5).topic("t").next().partition(1).offset(6).topic("u");
            return e.errorMessage("").encodedLength();
        }));
        corpus.add(encode((b, h) -> new InitProducerIdResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(5).errorCode(none).producerId(77).errorMessage("").encodedLength()));
        corpus.add(encode((b, h) ->
        {
            final GroupHeartbeatResponseEncoder e = new GroupHeartbeatResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(6).errorCode(none).memberEpoch(3).heartbeatIntervalMs(500);
            e.assignedCount(2).next().partition(0).topic("t").next().partition(1).topic("t");
            return e.errorMessage("").encodedLength();
        }));
        corpus.add(encode((b, h) ->
        {
            final ListGroupsResponseEncoder e = new ListGroupsResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(7).errorCode(none);
            e.groupsCount(2).next().memberCount(1).groupId("g").next().memberCount(0).groupId("h");
            return e.encodedLength();
        }));
        corpus.add(encode((b, h) ->
        {
            final DescribeGroupResponseEncoder e = new DescribeGroupResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(8).errorCode(none);
            e.membersCount(1).next().memberEpoch(2).memberId("m");
            e.partitionsCount(1).next().partition(0).committed(3).startOffset(0).endOffset(9).topic("t")
                .memberId("m");
            return e.errorMessage("").encodedLength();
        }));
        final byte[] records = concat(batch(1), batch(3));
        corpus.add(encode((b, h) -> new FetchResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(9).errorCode(none).partition(0).startOffset(0).endOffset(4).errorMessage("")
            .putRecords(records, 0, records.length).encodedLength()));
        corpus.add(encode((b, h) -> new ListOffsetsResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(10).errorCode(none).resultOffset(4).timestamp(1_000).errorMessage("").encodedLength()));
        corpus.add(encode((b, h) -> new NodeStatusResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(11).nodeId(0).role(NodeRole.LEADER).appliedPosition(100).snapshotPosition(-1)
            .corruptBatches(0).repairedSegments(0).logStartPosition(0).encodedLength()));
        corpus.add(encode((b, h) ->
        {
            final SegmentListResponseEncoder e = new SegmentListResponseEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(12);
            e.segmentsCount(2).next().partition(0).baseOffset(0).segmentId(1).length(100).topic("t")
                .next().partition(1).baseOffset(0).segmentId(2).length(0).topic("t");
            return e.encodedLength();
        }));
        final byte[] chunk = batch(2);
        corpus.add(encode((b, h) -> new SegmentReadResponseEncoder().wrapAndApplyHeader(b, 0, h)
            .correlationId(13).errorCode(none).crc(0).errorMessage("").putBytes(chunk, 0, chunk.length)
            .encodedLength()));
        return corpus;
    }

    private interface Encoding
    {
        int encode(ExpandableArrayBuffer buffer, MessageHeaderEncoder header);
    }

    private static byte[] encode(final Encoding encoding)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoding.encode(buffer, new MessageHeaderEncoder());
        return HostileInput.copy(buffer, 0, length);
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
