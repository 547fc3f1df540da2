package io.tributary.log.internal.client;

import io.tributary.log.Header;
import io.tributary.log.internal.HostileInput;
import io.tributary.log.internal.codecs.AdminResponseEncoder;
import io.tributary.log.internal.codecs.DescribeGroupResponseEncoder;
import io.tributary.log.internal.codecs.FetchResponseEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseEncoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseEncoder;
import io.tributary.log.internal.codecs.ListGroupsResponseEncoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseEncoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.MetadataResponseEncoder;
import io.tributary.log.internal.codecs.NodeRole;
import io.tributary.log.internal.codecs.NodeStatusResponseEncoder;
import io.tributary.log.internal.codecs.OffsetFetchResponseEncoder;
import io.tributary.log.internal.codecs.ProduceResponseEncoder;
import io.tributary.log.internal.codecs.SegmentListResponseEncoder;
import io.tributary.log.internal.codecs.SegmentReadResponseEncoder;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Valid responses of every template a client reads, for the fuzz tests to mutate: what a broken or hostile server
 * could start from.
 */
public final class HostileResponses
{
    private HostileResponses()
    {
    }

    public static byte[] batch(final int records)
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

    /**
     * @return one valid response of every template a client reads, records and segment chunks included.
     */
    public static List<byte[]> corpus()
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

    public interface Encoding
    {
        int encode(ExpandableArrayBuffer buffer, MessageHeaderEncoder header);
    }

    public static byte[] encode(final Encoding encoding)
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
