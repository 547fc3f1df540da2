package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.NodeStatusRequestEncoder;
import io.tributary.log.internal.codecs.NodeStatusResponseDecoder;
import io.tributary.log.internal.codecs.SegmentListRequestEncoder;
import io.tributary.log.internal.codecs.SegmentListResponseDecoder;
import io.tributary.log.internal.codecs.SegmentReadRequestEncoder;
import io.tributary.log.internal.codecs.SegmentReadResponseDecoder;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Talks to peers' fetch servers for a node that rebuilds itself: their status, and copies of their segment files
 * (the segment copy protocol: {@code SegmentList}, then {@code SegmentRead} chunk by chunk, each chunk CRC32C-checked
 * and each copied segment's batches checked against their own CRCs).
 * <p>
 * Used before the node's own fetch server starts: answers come back on the node's own fetch endpoint, on
 * {@link #RESPONSE_STREAM_ID}. Requests are answered one at a time. Single-threaded.
 */
final class PeerCopy implements AutoCloseable
{
    static final int RESPONSE_STREAM_ID = 1201;
    private static final int CHUNK_BYTES = 1024 * 1024;
    private static final long REQUEST_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    /** A peer's answer to a status request. */
    record PeerStatus(int nodeId, long appliedPosition, long snapshotPosition, long logStartPosition)
    {
    }

    /** One segment file a peer listed. */
    record ListedSegment(String topic, int partition, long baseOffset, long segmentId, int length)
    {
        String directory()
        {
            return topic + "-" + partition;
        }
    }

    /** The peer no longer holds a segment as it was listed (compacted, deleted) or answered otherwise wrongly. */
    static final class CopyRestart extends RuntimeException
    {
        CopyRestart(final String message)
        {
            super(message);
        }
    }

    private final Aeron aeron;
    private final String responseChannel;
    private final Subscription subscription;
    private final Map<Integer, Publication> publications = new HashMap<>();
    private final ClusterMembers members;
    private final ExpandableArrayBuffer requestBuffer = new ExpandableArrayBuffer(512);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final CRC32C crc = new CRC32C();
    private long nextCorrelationId = System.nanoTime();
    private long awaitedCorrelationId;
    private byte[] answer;
    private int answerTemplateId;

    PeerCopy(final Aeron aeron, final ClusterMembers members, final int selfId)
    {
        this.aeron = aeron;
        this.members = members;
        this.responseChannel = "aeron:udp?endpoint=" +
            members.member(selfId).endpoint(ClusterMembers.FETCH_PORT_OFFSET);
        this.subscription = aeron.addSubscription(responseChannel, RESPONSE_STREAM_ID);
    }

    public void close()
    {
        publications.values().forEach(CloseHelper::quietClose);
        CloseHelper.quietClose(subscription);
    }

    /**
     * @return the peer's status, or null when it does not answer within {@code timeoutNs}.
     */
    PeerStatus status(final int peerId, final long timeoutNs)
    {
        final long correlationId = nextCorrelationId++;
        final NodeStatusRequestEncoder encoder = new NodeStatusRequestEncoder()
            .wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .responseStreamId(RESPONSE_STREAM_ID)
            .responseChannel(responseChannel);
        final DirectBuffer reply = request(peerId, correlationId,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), timeoutNs);
        if (null == reply)
        {
            return null;
        }
        final NodeStatusResponseDecoder decoder = new NodeStatusResponseDecoder()
            .wrapAndApplyHeader(reply, 0, headerDecoder);
        return new PeerStatus(decoder.nodeId(), decoder.appliedPosition(), decoder.snapshotPosition(),
            decoder.logStartPosition());
    }

    /**
     * @return every segment file the peer holds now.
     * @throws CopyRestart when the peer does not answer.
     */
    List<ListedSegment> listSegments(final int peerId)
    {
        final long correlationId = nextCorrelationId++;
        final SegmentListRequestEncoder encoder = new SegmentListRequestEncoder()
            .wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .responseStreamId(RESPONSE_STREAM_ID)
            .responseChannel(responseChannel);
        final DirectBuffer reply = request(peerId, correlationId,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), REQUEST_TIMEOUT_NS);
        if (null == reply)
        {
            throw new CopyRestart("node " + peerId + " did not answer the segment listing");
        }
        final SegmentListResponseDecoder decoder = new SegmentListResponseDecoder()
            .wrapAndApplyHeader(reply, 0, headerDecoder);
        final List<ListedSegment> segments = new ArrayList<>();
        for (final SegmentListResponseDecoder.SegmentsDecoder s : decoder.segments())
        {
            final int partition = s.partition();
            final long baseOffset = s.baseOffset();
            final long segmentId = s.segmentId();
            final int length = s.length();
            segments.add(new ListedSegment(s.topic(), partition, baseOffset, segmentId, length));
        }
        return segments;
    }

    /**
     * Copy one listed segment into {@code file}: exactly its listed bytes, chunk by chunk, then check that they are
     * whole batches with valid CRCs.
     *
     * @return bytes copied.
     * @throws CopyRestart when the peer no longer has the segment as listed, does not answer, or sends bad bytes.
     */
    long copySegment(final int peerId, final ListedSegment segment, final Path file)
    {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            int position = 0;
            while (position < segment.length())
            {
                final byte[] bytes = readChunk(peerId, segment, position, segment.length() - position);
                final ByteBuffer data = ByteBuffer.wrap(bytes);
                while (data.hasRemaining())
                {
                    out.write(data, position + data.position());
                }
                position += bytes.length;
            }
            out.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file, ex);
        }
        checkBatches(segment, file);
        return segment.length();
    }

    /**
     * @return the peer's bytes of a listed segment from {@code position}, at most {@code maxBytes} (and 1 MiB),
     * checked against the chunk's CRC.
     * @throws CopyRestart when the peer no longer has the segment as listed, does not answer, or sends bad bytes.
     */
    byte[] readChunk(final int peerId, final ListedSegment segment, final int position, final int maxBytes)
    {
        final long correlationId = nextCorrelationId++;
        final SegmentReadRequestEncoder encoder = new SegmentReadRequestEncoder()
            .wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .partition(segment.partition())
            .baseOffset(segment.baseOffset())
            .segmentId(segment.segmentId())
            .position(position)
            .maxBytes(Math.min(CHUNK_BYTES, maxBytes))
            .responseStreamId(RESPONSE_STREAM_ID)
            .topic(segment.topic())
            .responseChannel(responseChannel);
        final DirectBuffer reply = request(peerId, correlationId,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), REQUEST_TIMEOUT_NS);
        if (null == reply)
        {
            throw new CopyRestart("node " + peerId + " did not answer a segment read");
        }
        final SegmentReadResponseDecoder decoder = new SegmentReadResponseDecoder()
            .wrapAndApplyHeader(reply, 0, headerDecoder);
        final ErrorCode error = decoder.errorCode();
        final int expectedCrc = decoder.crc();
        final String message = decoder.errorMessage();
        if (error != ErrorCode.NONE)
        {
            throw new CopyRestart("node " + peerId + ": " + error + " " + message);
        }
        final int length = decoder.bytesLength();
        if (length <= 0)
        {
            throw new CopyRestart("node " + peerId + " sent no bytes of " + segment);
        }
        final byte[] bytes = new byte[length];
        decoder.getBytes(bytes, 0, length);
        crc.reset();
        crc.update(bytes);
        if ((int)crc.getValue() != expectedCrc)
        {
            throw new CopyRestart("a chunk of " + segment + " from node " + peerId + " failed its CRC");
        }
        return bytes;
    }

    /**
     * Every byte of a copied segment must be whole batches with valid CRCs: a peer's corrupt copy is not taken.
     */
    private static void checkBatches(final ListedSegment segment, final Path file)
    {
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        int position = 0;
        while (position < bytes.length)
        {
            final int batchLength = bytes.length - position >= RecordBatches.CRC_START_OFFSET ?
                RecordBatches.batchLength(buffer, position) : -1;
            if (batchLength < RecordBatches.CRC_START_OFFSET || position + batchLength > bytes.length ||
                RecordBatches.computeCrc(buffer, position, batchLength) != RecordBatches.crc(buffer, position))
            {
                throw new CopyRestart("the copy of " + segment + " holds a bad batch at byte " + position);
            }
            position += batchLength;
        }
    }

    private DirectBuffer request(final int peerId, final long correlationId, final int length, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final Publication publication = publications.computeIfAbsent(peerId, id -> aeron.addPublication(
            "aeron:udp?endpoint=" + members.member(id).endpoint(ClusterMembers.FETCH_PORT_OFFSET),
            FetchServer.REQUEST_STREAM_ID));
        awaitedCorrelationId = correlationId;
        answer = null;
        while (true)
        {
            final long result = publication.offer(requestBuffer, 0, length);
            if (result > 0)
            {
                break;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                System.nanoTime() - deadlineNs > 0)
            {
                return null;
            }
            sleep();
        }
        while (null == answer)
        {
            if (subscription.poll(assembler, 16) == 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    return null;
                }
                sleep();
            }
        }
        return new UnsafeBuffer(answer);
    }

    private void onFragment(
        final DirectBuffer buffer, final int offset, final int length, final io.aeron.logbuffer.Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH + Long.BYTES)
        {
            return;
        }
        headerDecoder.wrap(buffer, offset);
        // Every response's root block starts with its correlation id.
        final long correlationId = buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH, ByteOrder.LITTLE_ENDIAN);
        if (correlationId == awaitedCorrelationId && headerDecoder.schemaId() == MessageHeaderDecoder.SCHEMA_ID)
        {
            answerTemplateId = headerDecoder.templateId();
            answer = new byte[length];
            buffer.getBytes(offset, answer);
        }
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
