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
    /** Chunk reads in flight at once while copying a segment. */
    private static final int WINDOW = 4;
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
    /** Requests sent and not yet answered, and the answers that came for them. */
    private final java.util.Set<Long> awaiting = new java.util.HashSet<>();
    private final Map<Long, byte[]> answers = new HashMap<>();
    private final io.tributary.log.Credentials credentials;
    /** Fetch sessions opened on peers, by peer id. */
    private final Map<Integer, Long> sessions = new HashMap<>();

    /**
     * @return the session to name in segment requests to the peer: 0 without credentials; opened with a SCRAM
     *         exchange on first use.
     * @throws CopyRestart when the peer refuses or does not answer.
     */
    private long session(final int peerId)
    {
        if (credentials == null)
        {
            return 0;
        }
        final Long known = sessions.get(peerId);
        if (known != null)
        {
            return known;
        }
        final char[] password = credentials.password();
        try
        {
            final io.tributary.log.internal.security.Scram.Client scram =
                new io.tributary.log.internal.security.Scram.Client(credentials.username(), password);
            final io.tributary.log.internal.codecs.FetchAuthResponseDecoder first =
                authStep(peerId, 1, 0, scram.clientFirst());
            if (first.exchangeId() == 0)
            {
                sessions.put(peerId, 0L);
                return 0;
            }
            final byte[] serverFirst = new byte[first.messageLength()];
            first.getMessage(serverFirst, 0, serverFirst.length);
            final io.tributary.log.internal.codecs.FetchAuthResponseDecoder last =
                authStep(peerId, 2, first.exchangeId(), scram.onServerFirst(serverFirst));
            final long sessionId = last.sessionId();
            final byte[] serverFinal = new byte[last.messageLength()];
            last.getMessage(serverFinal, 0, serverFinal.length);
            if (!scram.verifyServerFinal(serverFinal))
            {
                throw new CopyRestart("node " + peerId + " could not prove it holds the credential of " +
                    credentials.username());
            }
            sessions.put(peerId, sessionId);
            return sessionId;
        }
        finally
        {
            java.util.Arrays.fill(password, '\0');
        }
    }

    private io.tributary.log.internal.codecs.FetchAuthResponseDecoder authStep(
        final int peerId, final int step, final long exchangeId, final byte[] message)
    {
        final long correlationId = nextCorrelationId++;
        final io.tributary.log.internal.codecs.FetchAuthRequestEncoder encoder =
            new io.tributary.log.internal.codecs.FetchAuthRequestEncoder()
            .wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .step(step)
            .responseStreamId(RESPONSE_STREAM_ID)
            .exchangeId(exchangeId)
            .putMessage(message, 0, message.length)
            .responseChannel(responseChannel);
        final DirectBuffer reply = request(peerId, correlationId,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), REQUEST_TIMEOUT_NS);
        if (null == reply)
        {
            throw new CopyRestart("node " + peerId + " did not answer an authentication step");
        }
        final io.tributary.log.internal.codecs.FetchAuthResponseDecoder decoder =
            new io.tributary.log.internal.codecs.FetchAuthResponseDecoder()
                .wrapAndApplyHeader(reply, 0, headerDecoder);
        if (decoder.errorCode() != ErrorCode.NONE)
        {
            decoder.skipMessage();
            throw new CopyRestart("node " + peerId + " refused this node's credentials: " + decoder.errorMessage());
        }
        return decoder;
    }

    /**
     * @throws CopyRestart with the peer's reason when it answered a segment request with a refusal.
     */
    private void throwIfRefused(final int peerId, final DirectBuffer reply)
    {
        headerDecoder.wrap(reply, 0);
        if (headerDecoder.templateId() == io.tributary.log.internal.codecs.FetchAuthResponseDecoder.TEMPLATE_ID)
        {
            sessions.remove(peerId);
            final io.tributary.log.internal.codecs.FetchAuthResponseDecoder decoder =
                new io.tributary.log.internal.codecs.FetchAuthResponseDecoder()
                    .wrapAndApplyHeader(reply, 0, headerDecoder);
            decoder.skipMessage();
            throw new CopyRestart("node " + peerId + " refused the segment listing: " + decoder.errorMessage());
        }
    }

    PeerCopy(final Aeron aeron, final ClusterMembers members, final int selfId)
    {
        this(aeron, members, selfId, null);
    }

    /**
     * @param credentials a super user's, to open a fetch session on each peer whose fetch server requires one; null
     *                    when the cluster runs without security.
     */
    PeerCopy(final Aeron aeron, final ClusterMembers members, final int selfId,
        final io.tributary.log.Credentials credentials)
    {
        this.credentials = credentials;
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
        final long sessionId = session(peerId);
        final long correlationId = nextCorrelationId++;
        final SegmentListRequestEncoder encoder = new SegmentListRequestEncoder()
            .wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .responseStreamId(RESPONSE_STREAM_ID)
            .sessionId(sessionId)
            .responseChannel(responseChannel);
        final DirectBuffer reply = request(peerId, correlationId,
            MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), REQUEST_TIMEOUT_NS);
        if (null == reply)
        {
            throw new CopyRestart("node " + peerId + " did not answer the segment listing");
        }
        throwIfRefused(peerId, reply);
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
        awaiting.clear();
        answers.clear();
        final BatchCheck check = new BatchCheck(segment);
        final java.util.ArrayDeque<long[]> inFlight = new java.util.ArrayDeque<>();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            int requested = 0;
            int written = 0;
            while (written < segment.length())
            {
                while (inFlight.size() < WINDOW && requested < segment.length())
                {
                    final int length = Math.min(CHUNK_BYTES, segment.length() - requested);
                    inFlight.add(new long[] {sendRead(peerId, segment, requested, length), requested, length});
                    requested += length;
                }
                final long[] next = inFlight.poll();
                final byte[] bytes = readAnswer(peerId, segment, next[0]);
                if (bytes.length != next[2])
                {
                    throw new CopyRestart("node " + peerId + " sent " + bytes.length + " bytes of " + segment +
                        " at " + next[1] + ", not " + next[2]);
                }
                check.accept(bytes);
                final ByteBuffer data = ByteBuffer.wrap(bytes);
                while (data.hasRemaining())
                {
                    out.write(data, next[1] + data.position());
                }
                written += bytes.length;
            }
            check.finish();
            out.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file, ex);
        }
        return segment.length();
    }

    /**
     * Checks, as chunks arrive, that a segment's bytes are whole batches with valid CRCs: a peer's corrupt copy is
     * not taken.
     */
    private static final class BatchCheck
    {
        private final ListedSegment segment;
        private byte[] carry = new byte[0];
        private long position;

        BatchCheck(final ListedSegment segment)
        {
            this.segment = segment;
        }

        void accept(final byte[] chunk)
        {
            final byte[] bytes = new byte[carry.length + chunk.length];
            System.arraycopy(carry, 0, bytes, 0, carry.length);
            System.arraycopy(chunk, 0, bytes, carry.length, chunk.length);
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            int at = 0;
            while (bytes.length - at >= RecordBatches.CRC_START_OFFSET)
            {
                final int batchLength = RecordBatches.batchLength(buffer, at);
                if (batchLength < RecordBatches.CRC_START_OFFSET)
                {
                    throw bad(at);
                }
                if (at + batchLength > bytes.length)
                {
                    break;
                }
                if (RecordBatches.computeCrc(buffer, at, batchLength) != RecordBatches.crc(buffer, at))
                {
                    throw bad(at);
                }
                at += batchLength;
            }
            carry = java.util.Arrays.copyOfRange(bytes, at, bytes.length);
            position += at;
        }

        void finish()
        {
            if (carry.length > 0)
            {
                throw bad(0);
            }
        }

        private CopyRestart bad(final int at)
        {
            return new CopyRestart("the copy of " + segment + " holds a bad batch at byte " + (position + at));
        }
    }

    /**
     * @return the peer's bytes of a listed segment from {@code position}, at most {@code maxBytes} (and 1 MiB),
     * checked against the chunk's CRC.
     * @throws CopyRestart when the peer no longer has the segment as listed, does not answer, or sends bad bytes.
     */
    byte[] readChunk(final int peerId, final ListedSegment segment, final int position, final int maxBytes)
    {
        awaiting.clear();
        answers.clear();
        return readAnswer(peerId, segment, sendRead(peerId, segment, position, maxBytes));
    }

    private long sendRead(final int peerId, final ListedSegment segment, final int position, final int maxBytes)
    {
        final long sessionId = session(peerId);
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
            .sessionId(sessionId)
            .topic(segment.topic())
            .responseChannel(responseChannel);
        if (!send(peerId, correlationId, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(),
            System.nanoTime() + REQUEST_TIMEOUT_NS))
        {
            throw new CopyRestart("node " + peerId + " did not take a segment read");
        }
        return correlationId;
    }

    private byte[] readAnswer(final int peerId, final ListedSegment segment, final long correlationId)
    {
        final DirectBuffer reply = awaitAnswer(correlationId, System.nanoTime() + REQUEST_TIMEOUT_NS);
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
            if (error == ErrorCode.AUTHENTICATION_FAILED)
            {
                sessions.remove(peerId);
            }
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

    private DirectBuffer request(final int peerId, final long correlationId, final int length, final long timeoutNs)
    {
        awaiting.clear();
        answers.clear();
        final long deadlineNs = System.nanoTime() + timeoutNs;
        return send(peerId, correlationId, length, deadlineNs) ? awaitAnswer(correlationId, deadlineNs) : null;
    }

    /**
     * Offer the request in {@code requestBuffer} and expect its answer.
     *
     * @return false when it could not be sent by the deadline.
     */
    private boolean send(final int peerId, final long correlationId, final int length, final long deadlineNs)
    {
        final Publication publication = publications.computeIfAbsent(peerId, id -> aeron.addPublication(
            "aeron:udp?endpoint=" + members.member(id).endpoint(ClusterMembers.FETCH_PORT_OFFSET),
            FetchServer.REQUEST_STREAM_ID));
        awaiting.add(correlationId);
        while (true)
        {
            final long result = publication.offer(requestBuffer, 0, length);
            if (result > 0)
            {
                return true;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                System.nanoTime() - deadlineNs > 0)
            {
                awaiting.remove(correlationId);
                return false;
            }
            sleep();
        }
    }

    /**
     * @return the answer to a request sent, or null when none came by the deadline.
     */
    private DirectBuffer awaitAnswer(final long correlationId, final long deadlineNs)
    {
        while (!answers.containsKey(correlationId))
        {
            if (subscription.poll(assembler, 16) == 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    awaiting.remove(correlationId);
                    return null;
                }
                sleep();
            }
        }
        awaiting.remove(correlationId);
        return new UnsafeBuffer(answers.remove(correlationId));
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
        if (awaiting.contains(correlationId) && headerDecoder.schemaId() == MessageHeaderDecoder.SCHEMA_ID)
        {
            final byte[] answer = new byte[length];
            buffer.getBytes(offset, answer);
            answers.put(correlationId, answer);
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
