package io.tributary.log.internal.fetch;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.internal.cluster.PartitionRegistry;
import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.FetchAuthRequestDecoder;
import io.tributary.log.internal.codecs.FetchAuthResponseEncoder;
import io.tributary.log.internal.codecs.FetchRequestDecoder;
import io.tributary.log.internal.codecs.FetchResponseEncoder;
import io.tributary.log.internal.codecs.ListOffsetsRequestDecoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.NodeRole;
import io.tributary.log.internal.codecs.NodeStatusRequestDecoder;
import io.tributary.log.internal.codecs.NodeStatusResponseEncoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.codecs.SegmentListRequestDecoder;
import io.tributary.log.internal.codecs.SegmentListResponseEncoder;
import io.tributary.log.internal.codecs.SegmentReadRequestDecoder;
import io.tributary.log.internal.codecs.SegmentReadResponseEncoder;
import io.tributary.log.internal.record.RecordBatches;
import io.tributary.log.internal.storage.FetchSlice;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Serves committed partition data by offset, outside consensus. Everything in a node's segment store is committed
 * (the service only applies committed entries), so any node can answer.
 * <p>
 * Protocol: requests arrive on {@code aeron:udp?endpoint=<host>:<basePort+5>}, stream {@link #REQUEST_STREAM_ID};
 * each names the UDP endpoint and stream to answer on. A fetch with no data at its offset waits up to its
 * {@code maxWaitMs} for an append (long polling). A response carries whole record batches straight from the mapped
 * segment: the header is encoded here and the records are offered from the segment's memory.
 * <p>
 * Malformed requests are counted and dropped: they cannot be answered, and must not stop the server.
 * <p>
 * Threading: an {@link Agent} on its own thread; reads the partition logs concurrently with their writer.
 */
public final class FetchServer implements Agent
{
    public static final int REQUEST_STREAM_ID = 1101;
    /** Cap on the records of one response; one batch larger than this is still sent whole. */
    public static final int MAX_FETCH_BYTES = 1024 * 1024;
    public static final int MAX_WAIT_MS = 30_000;
    /** A reply is one message: within the 2 MiB a 16 MiB term allows, with room for the header. */
    private static final int MAX_REPLY_BYTES = 2 * 1024 * 1024 - 4096;
    /** Responses may hold a whole 1 MiB batch plus headers: a 16 MiB term allows messages up to 2 MiB. */
    static final String RESPONSE_CHANNEL_PARAMS = "|term-length=16m|sparse=true";
    private static final long IDLE_PUBLICATION_TIMEOUT_NS = 60_000_000_000L;
    private static final long CONNECT_TIMEOUT_NS = 5_000_000_000L;
    private static final int FRAGMENT_LIMIT = 64;
    /** Bounds what requests naming ever new response endpoints can make the server hold. */
    private static final int MAX_RESPONSE_CHANNELS = 16_384;
    /**
     * Bounds the requests waiting for data or for their channel (a reply waits up to 5 s for a channel that may never
     * connect): past it a request is dropped, so a flood of them cannot exhaust memory or the duty cycle.
     */
    static final int MAX_PENDING = 65_536;

    private final Aeron aeron;
    private final Publications publications;
    private final String endpoint;
    private final String mtuParam;
    private final int nodeId;
    private final PartitionRegistry registry;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final FetchRequestDecoder fetchDecoder = new FetchRequestDecoder();
    private final FetchResponseEncoder fetchEncoder = new FetchResponseEncoder();
    private final ListOffsetsRequestDecoder listOffsetsDecoder = new ListOffsetsRequestDecoder();
    private final ListOffsetsResponseEncoder listOffsetsEncoder = new ListOffsetsResponseEncoder();
    private final NodeStatusRequestDecoder statusDecoder = new NodeStatusRequestDecoder();
    private final NodeStatusResponseEncoder statusEncoder = new NodeStatusResponseEncoder();
    private final SegmentListRequestDecoder segmentListDecoder = new SegmentListRequestDecoder();
    private final SegmentListResponseEncoder segmentListEncoder = new SegmentListResponseEncoder();
    private final SegmentReadRequestDecoder segmentReadDecoder = new SegmentReadRequestDecoder();
    private final SegmentReadResponseEncoder segmentReadEncoder = new SegmentReadResponseEncoder();
    private final java.util.zip.CRC32C chunkCrc = new java.util.zip.CRC32C();
    private final ExpandableArrayBuffer headerBuffer = new ExpandableArrayBuffer(1024);
    private final UnsafeBuffer emptyBuffer = new UnsafeBuffer(new byte[0]);
    /** The request alone, so that no length field in it can make a decoder read past its end. */
    private final UnsafeBuffer request = new UnsafeBuffer(0, 0);
    private final FetchSlice slice = new FetchSlice();

    private final Map<String, ResponseChannel> channels = new HashMap<>();
    /** Fetches waiting for data or for their channel, and encoded answers waiting for their channel. */
    private final ArrayList<PendingFetch> pending = new ArrayList<>();
    private final ArrayList<PendingFetch> pool = new ArrayList<>();
    private Subscription subscription;
    private long nowNs;
    private long lastChannelSweepNs;
    private long malformedRequests;
    private long corruptBatchesRefused;

    /**
     * @param aeron    client of the node's media driver.
     * @param endpoint {@code host:port} to listen on.
     * @param nodeId   this node's id, reported in status responses.
     * @param registry the node's partition logs.
     */
    public FetchServer(final Aeron aeron, final String endpoint, final int nodeId, final PartitionRegistry registry)
    {
        this(aeron, endpoint, nodeId, registry, new SecurityView(SecurityConfig.DISABLED));
    }

    /**
     * @param security users and ACLs; when on, a fetch or offsets request must carry the id of a session a SCRAM
     *                 exchange authenticated, whose principal may read the topic.
     */
    public FetchServer(
        final Aeron aeron, final String endpoint, final int nodeId, final PartitionRegistry registry,
        final SecurityView security)
    {
        this(aeron, aeron::addExclusivePublication, endpoint, nodeId, registry, security);
    }

    /**
     * @param publications opens the response publications; tests that drive {@link #onRequest} directly give their
     *                     own.
     */
    FetchServer(
        final Aeron aeron, final Publications publications, final String endpoint, final int nodeId,
        final PartitionRegistry registry)
    {
        this(aeron, publications, endpoint, nodeId, registry, new SecurityView(SecurityConfig.DISABLED));
    }

    FetchServer(
        final Aeron aeron, final Publications publications, final String endpoint, final int nodeId,
        final PartitionRegistry registry, final SecurityView security)
    {
        this.sessions = new FetchSessions(security);
        this.aeron = aeron;
        this.publications = publications;
        this.endpoint = endpoint;
        this.mtuParam = AeronSettings.mtuParam(endpoint.substring(0, endpoint.lastIndexOf(':')));
        this.nodeId = nodeId;
        this.registry = registry;
    }

    private final FetchSessions sessions;
    private final FetchAuthRequestDecoder authDecoder = new FetchAuthRequestDecoder();
    private final FetchAuthResponseEncoder authEncoder = new FetchAuthResponseEncoder();

    public String roleName()
    {
        return "tributary-fetch-server-" + nodeId;
    }

    public void onStart()
    {
        subscription = aeron.addSubscription("aeron:udp?endpoint=" + endpoint, REQUEST_STREAM_ID);
    }

    public int doWork()
    {
        nowNs = System.nanoTime();
        int work = subscription.poll(assembler, FRAGMENT_LIMIT);
        work += servicePending();
        if (nowNs - lastChannelSweepNs > 1_000_000_000L)
        {
            lastChannelSweepNs = nowNs;
            work += closeIdleChannels();
            sessions.sweep(nowNs);
        }
        return work;
    }

    public void onClose()
    {
        for (final ResponseChannel channel : channels.values())
        {
            channel.publication.close();
        }
        channels.clear();
        if (subscription != null)
        {
            subscription.close();
        }
    }

    /**
     * @return requests dropped because they could not be decoded or answered.
     */
    public long malformedRequests()
    {
        return malformedRequests;
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        onRequest(buffer, offset, length);
    }

    /**
     * Decode one request and queue its answer; a request that cannot be decoded is counted and dropped.
     *
     * @return false when the request was dropped as malformed.
     */
    boolean onRequest(final DirectBuffer message, final int messageOffset, final int length)
    {
        try
        {
            if (length < MessageHeaderDecoder.ENCODED_LENGTH)
            {
                throw new IllegalArgumentException("short message");
            }
            request.wrap(message, messageOffset, length);
            final DirectBuffer buffer = request;
            final int offset = 0;
            headerDecoder.wrap(buffer, offset);
            if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
            {
                throw new IllegalArgumentException("unknown schema");
            }
            if (pending.size() >= MAX_PENDING)
            {
                throw new IllegalStateException("too many requests waiting");
            }
            switch (headerDecoder.templateId())
            {
                case FetchRequestDecoder.TEMPLATE_ID -> onFetch(buffer, offset, length);
                case ListOffsetsRequestDecoder.TEMPLATE_ID -> onListOffsets(buffer, offset, length);
                case NodeStatusRequestDecoder.TEMPLATE_ID -> onNodeStatus(buffer, offset, length);
                case SegmentListRequestDecoder.TEMPLATE_ID -> onSegmentList(buffer, offset, length);
                case SegmentReadRequestDecoder.TEMPLATE_ID -> onSegmentRead(buffer, offset, length);
                case FetchAuthRequestDecoder.TEMPLATE_ID -> onAuth(buffer, offset, length);
                default -> throw new IllegalArgumentException("unknown template");
            }
            return true;
        }
        catch (final RuntimeException ex)
        {
            malformedRequests++;
            return false;
        }
    }

    /**
     * @return requests waiting for data or for their channel.
     */
    int pendingRequests()
    {
        return pending.size();
    }

    private void onFetch(final DirectBuffer buffer, final int offset, final int length)
    {
        fetchDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final PendingFetch fetch = pool.isEmpty() ? new PendingFetch() : pool.remove(pool.size() - 1);
        fetch.correlationId = fetchDecoder.correlationId();
        fetch.partition = fetchDecoder.partition();
        fetch.fetchOffset = fetchDecoder.fetchOffset();
        fetch.maxBytes = Math.max(1, Math.min(MAX_FETCH_BYTES, fetchDecoder.maxBytes()));
        final int maxWaitMs = Math.max(0, Math.min(MAX_WAIT_MS, fetchDecoder.maxWaitMs()));
        fetch.deadlineNs = nowNs + maxWaitMs * 1_000_000L;
        fetch.arrivedNs = nowNs;
        final int streamId = fetchDecoder.responseStreamId();
        fetch.topic = fetchDecoder.topic();
        final long sessionId = fetchDecoder.sessionId();
        final String responseChannel = fetchDecoder.responseChannel();
        checkWithin(fetchDecoder.limit(), offset, length);
        fetch.channel = channel(responseChannel, streamId);
        final ErrorCode access = sessions.checkRead(sessionId, fetch.topic, nowNs);
        if (access != ErrorCode.NONE)
        {
            fetchEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
                .correlationId(fetch.correlationId)
                .errorCode(access)
                .partition(fetch.partition)
                .startOffset(-1)
                .endOffset(-1)
                .errorMessage(sessions.denial())
                .putRecords(emptyBuffer, 0, 0);
            final ResponseChannel channel = fetch.channel;
            fetch.clear();
            pool.add(fetch);
            respondWhenConnected(channel, MessageHeaderEncoder.ENCODED_LENGTH + fetchEncoder.encodedLength());
            return;
        }
        pending.add(fetch);
    }

    /**
     * One step of a SCRAM exchange (see {@link FetchSessions}).
     */
    private void onAuth(final DirectBuffer buffer, final int offset, final int length)
    {
        authDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = authDecoder.correlationId();
        final int step = authDecoder.step();
        final int streamId = authDecoder.responseStreamId();
        final long exchangeId = authDecoder.exchangeId();
        final int messageLength = authDecoder.messageLength();
        if (messageLength > 4096)
        {
            throw new IllegalArgumentException("SCRAM message too long");
        }
        final byte[] message = new byte[messageLength];
        authDecoder.getMessage(message, 0, messageLength);
        final String responseChannel = authDecoder.responseChannel();
        checkWithin(authDecoder.limit(), offset, length);
        final ResponseChannel channel = channel(responseChannel, streamId);

        final FetchSessions.Outcome outcome = sessions.onAuthRequest(step, exchangeId, message, nowNs);
        if (outcome == null)
        {
            return;
        }
        final byte[] reply = outcome.message() == null ? new byte[0] : outcome.message();
        authEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(outcome.code())
            .exchangeId(outcome.exchangeId())
            .sessionId(outcome.sessionId())
            .putMessage(reply, 0, reply.length)
            .errorMessage(outcome.error());
        respondWhenConnected(channel, MessageHeaderEncoder.ENCODED_LENGTH + authEncoder.encodedLength());
    }

    private void onListOffsets(final DirectBuffer buffer, final int offset, final int length)
    {
        listOffsetsDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = listOffsetsDecoder.correlationId();
        final int partition = listOffsetsDecoder.partition();
        final OffsetSpec spec = listOffsetsDecoder.spec();
        final long timestamp = listOffsetsDecoder.timestamp();
        final int streamId = listOffsetsDecoder.responseStreamId();
        final long sessionId = listOffsetsDecoder.sessionId();
        final String topic = listOffsetsDecoder.topic();
        final String responseChannel = listOffsetsDecoder.responseChannel();
        checkWithin(listOffsetsDecoder.limit(), offset, length);
        final ResponseChannel channel = channel(responseChannel, streamId);

        ErrorCode error = sessions.checkRead(sessionId, topic, nowNs);
        String message = error == ErrorCode.NONE ? "" : sessions.denial();
        long result = -1;
        final PartitionLog log = error == ErrorCode.NONE ? lookup(topic, partition) : null;
        if (error != ErrorCode.NONE)
        {
            result = -1;
        }
        else if (log == null)
        {
            error = lookupError(topic);
            message = lookupMessage(topic, partition);
        }
        else
        {
            switch (spec)
            {
                case EARLIEST -> result = log.earliestOffset();
                case LATEST -> result = log.endOffset();
                case TIMESTAMP -> result = log.offsetForTimestamp(timestamp);
                default -> throw new IllegalArgumentException("unknown offset spec");
            }
        }

        listOffsetsEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(error)
            .resultOffset(result)
            .timestamp(timestamp)
            .errorMessage(message);
        respondWhenConnected(channel, MessageHeaderEncoder.ENCODED_LENGTH + listOffsetsEncoder.encodedLength());
    }

    private void onNodeStatus(final DirectBuffer buffer, final int offset, final int length)
    {
        statusDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = statusDecoder.correlationId();
        final int streamId = statusDecoder.responseStreamId();
        final String responseChannel = statusDecoder.responseChannel();
        checkWithin(statusDecoder.limit(), offset, length);
        final ResponseChannel channel = channel(responseChannel, streamId);

        final int role = registry.role();
        statusEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .nodeId(nodeId)
            .role(role == 2 ? NodeRole.LEADER : role == 1 ? NodeRole.CANDIDATE : NodeRole.FOLLOWER)
            .appliedPosition(registry.appliedLogPosition())
            .snapshotPosition(registry.lastSnapshotPosition())
            .corruptBatches(registry.corruptBatchesFound())
            .repairedSegments(registry.segmentsRepaired())
            .logStartPosition(registry.logStartPosition())
            .authenticationFailures(sessions.view().authenticationFailures())
            .authorizationFailures(sessions.view().authorizationFailures());
        respondWhenConnected(channel, MessageHeaderEncoder.ENCODED_LENGTH + statusEncoder.encodedLength());
    }

    /**
     * List every segment file of every partition, for a node rebuilding itself from this one.
     */
    private void onSegmentList(final DirectBuffer buffer, final int offset, final int length)
    {
        segmentListDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = segmentListDecoder.correlationId();
        final int streamId = segmentListDecoder.responseStreamId();
        final long sessionId = segmentListDecoder.sessionId();
        final String responseChannel = segmentListDecoder.responseChannel();
        checkWithin(segmentListDecoder.limit(), offset, length);
        final ResponseChannel channel = channel(responseChannel, streamId);
        final ErrorCode access = sessions.checkSuperUser(sessionId, nowNs);
        if (access != ErrorCode.NONE)
        {
            // The listing has no error field: the refusal is answered as an authentication outcome.
            authEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
                .correlationId(correlationId)
                .errorCode(access)
                .exchangeId(0)
                .sessionId(0)
                .putMessage(new byte[0], 0, 0)
                .errorMessage(sessions.denial());
            respondWhenConnected(channel, MessageHeaderEncoder.ENCODED_LENGTH + authEncoder.encodedLength());
            return;
        }

        final List<Object[]> entries = new ArrayList<>();
        for (final Map.Entry<String, PartitionLog[]> topic : registry.topics().entrySet())
        {
            final PartitionLog[] logs = topic.getValue();
            for (int p = 0; p < logs.length; p++)
            {
                for (final PartitionLog.SegmentFile file : logs[p].segmentFiles())
                {
                    entries.add(new Object[] {topic.getKey(), p, file});
                }
            }
        }
        if (entries.size() > 65_535)
        {
            throw new IllegalStateException("too many segments to list");
        }
        final SegmentListResponseEncoder.SegmentsEncoder segments = segmentListEncoder
            .wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .segmentsCount(entries.size());
        for (final Object[] entry : entries)
        {
            final PartitionLog.SegmentFile file = (PartitionLog.SegmentFile)entry[2];
            segments.next()
                .partition((Integer)entry[1])
                .baseOffset(file.baseOffset())
                .segmentId(file.id())
                .length(file.length())
                .topic((String)entry[0]);
        }
        final int replyLength = MessageHeaderEncoder.ENCODED_LENGTH + segmentListEncoder.encodedLength();
        if (replyLength > MAX_REPLY_BYTES)
        {
            throw new IllegalStateException("too many segments to list in one message");
        }
        respondWhenConnected(channel, replyLength);
    }

    /**
     * Answer a chunk of a segment file straight from its mapping, with the chunk's CRC32C.
     */
    private void onSegmentRead(final DirectBuffer buffer, final int offset, final int length)
    {
        segmentReadDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long correlationId = segmentReadDecoder.correlationId();
        final int partition = segmentReadDecoder.partition();
        final long baseOffset = segmentReadDecoder.baseOffset();
        final long segmentId = segmentReadDecoder.segmentId();
        final int position = segmentReadDecoder.position();
        final int maxBytes = Math.max(1, Math.min(MAX_FETCH_BYTES, segmentReadDecoder.maxBytes()));
        final int streamId = segmentReadDecoder.responseStreamId();
        final long sessionId = segmentReadDecoder.sessionId();
        final String topic = segmentReadDecoder.topic();
        final String responseChannel = segmentReadDecoder.responseChannel();
        checkWithin(segmentReadDecoder.limit(), offset, length);
        final ResponseChannel channel = channel(responseChannel, streamId);

        ErrorCode error = sessions.checkSuperUser(sessionId, nowNs);
        String message = error == ErrorCode.NONE ? "" : sessions.denial();
        final PartitionLog log = error == ErrorCode.NONE ? lookup(topic, partition) : null;
        int crc = 0;
        int bytesLength = 0;
        if (error != ErrorCode.NONE)
        {
            bytesLength = 0;
        }
        else if (log == null)
        {
            error = lookupError(topic);
            message = lookupMessage(topic, partition);
        }
        else if (!log.readSegmentFile(baseOffset, segmentId, position, maxBytes, slice))
        {
            error = ErrorCode.OFFSET_OUT_OF_RANGE;
            message = "segment " + baseOffset + " of " + topic + "-" + partition + " was replaced or deleted";
        }
        else
        {
            bytesLength = slice.length();
        }
        segmentReadEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(error)
            .errorMessage(message);
        final int bytesLengthAt = MessageHeaderEncoder.ENCODED_LENGTH + segmentReadEncoder.encodedLength();
        headerBuffer.putInt(bytesLengthAt, bytesLength, ByteOrder.LITTLE_ENDIAN);
        if (bytesLength > 0)
        {
            headerBuffer.putBytes(bytesLengthAt + Integer.BYTES, slice.buffer(), slice.offset(), bytesLength);
            chunkCrc.reset();
            chunkCrc.update(headerBuffer.byteArray(), bytesLengthAt + Integer.BYTES, bytesLength);
            crc = (int)chunkCrc.getValue();
        }
        segmentReadEncoder.crc(crc);
        respondWhenConnected(channel, bytesLengthAt + Integer.BYTES + bytesLength);
    }

    /**
     * Small answers wait, copied, until their channel connects, like fetches do: the server never blocks on one
     * client, whatever endpoint it named.
     */
    private void respondWhenConnected(final ResponseChannel channel, final int length)
    {
        final PendingFetch reply = pool.isEmpty() ? new PendingFetch() : pool.remove(pool.size() - 1);
        reply.channel = channel;
        reply.deadlineNs = nowNs;
        reply.arrivedNs = nowNs;
        reply.encodedReply = new byte[length];
        headerBuffer.getBytes(0, reply.encodedReply);
        pending.add(reply);
    }

    private int servicePending()
    {
        int work = 0;
        for (int i = pending.size() - 1; i >= 0; i--)
        {
            final PendingFetch fetch = pending.get(i);
            if (tryRespond(fetch))
            {
                final int last = pending.size() - 1;
                pending.set(i, pending.get(last));
                pending.remove(last);
                fetch.clear();
                pool.add(fetch);
                work++;
            }
        }
        return work;
    }

    /**
     * @return true when the fetch was answered or abandoned, false when it must wait longer.
     */
    private boolean tryRespond(final PendingFetch fetch)
    {
        final ResponseChannel channel = fetch.channel;
        if (!channel.publication.isConnected())
        {
            // From the request's arrival, not the channel's creation: a channel kept from an earlier client whose
            // port a new client now has is disconnected until the new client joins it.
            return nowNs - fetch.arrivedNs > CONNECT_TIMEOUT_NS;
        }
        if (fetch.encodedReply != null)
        {
            final long result = channel.publication.offer(new UnsafeBuffer(fetch.encodedReply));
            channel.lastUsedNs = nowNs;
            return result > 0 || result == Publication.CLOSED || nowNs - fetch.deadlineNs > CONNECT_TIMEOUT_NS;
        }

        final PartitionLog log = lookup(fetch.topic, fetch.partition);
        ErrorCode error = ErrorCode.NONE;
        String message = "";
        long startOffset = -1;
        long endOffset = -1;
        DirectBuffer records = emptyBuffer;
        int recordsOffset = 0;
        int recordsLength = 0;
        if (log == null)
        {
            error = lookupError(fetch.topic);
            message = lookupMessage(fetch.topic, fetch.partition);
        }
        else
        {
            endOffset = log.endOffset();
            if (fetch.fetchOffset == endOffset && nowNs < fetch.deadlineNs)
            {
                return false;
            }
            startOffset = log.earliestOffset();
            if (log.read(fetch.fetchOffset, fetch.maxBytes, slice) == PartitionLog.OFFSET_OUT_OF_RANGE)
            {
                error = ErrorCode.OFFSET_OUT_OF_RANGE;
                message = "offset " + fetch.fetchOffset + " is out of range for " + fetch.topic + "-" +
                    fetch.partition + ": it holds offsets " + startOffset + " to " + endOffset;
            }
            else
            {
                records = slice.buffer();
                recordsOffset = slice.offset();
                recordsLength = verifiedLength(records, recordsOffset, slice.length());
                if (recordsLength == 0 && slice.length() > 0)
                {
                    error = ErrorCode.CORRUPT_BATCH;
                    message = "the batch at offset " + RecordBatches.baseOffset(records, recordsOffset) + " of " +
                        fetch.topic + "-" + fetch.partition + " failed its checksum on node " + nodeId +
                        "; read it from another node";
                    corruptBatchesRefused++;
                    registry.reportCorrupt(new PartitionRegistry.CorruptBatch(
                        fetch.topic, fetch.partition, fetch.fetchOffset));
                }
            }
        }

        fetchEncoder.wrapAndApplyHeader(headerBuffer, 0, headerEncoder)
            .correlationId(fetch.correlationId)
            .errorCode(error)
            .partition(fetch.partition)
            .startOffset(startOffset)
            .endOffset(endOffset)
            .errorMessage(message);
        final int recordsLengthAt = MessageHeaderEncoder.ENCODED_LENGTH + fetchEncoder.encodedLength();
        headerBuffer.putInt(recordsLengthAt, recordsLength, ByteOrder.LITTLE_ENDIAN);
        final int headerLength = recordsLengthAt + Integer.BYTES;

        final long result = channel.publication.offer(
            headerBuffer, 0, headerLength, records, recordsOffset, recordsLength);
        channel.lastUsedNs = nowNs;
        if (result > 0 || result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            return true;
        }
        // Back pressure or a client gone quiet: retry on the next duty cycle, but not forever.
        return nowNs - fetch.deadlineNs > CONNECT_TIMEOUT_NS;
    }

    /**
     * Check every batch about to be served against its CRC: a node never serves bytes its disk corrupted. The good
     * batches before a bad one are still served; the next fetch then starts at the bad one and is refused.
     *
     * @return how many of the bytes, from the start, are whole batches with a valid CRC.
     */
    private static int verifiedLength(final DirectBuffer buffer, final int offset, final int length)
    {
        int position = 0;
        while (position < length)
        {
            final int batchLength = RecordBatches.batchLength(buffer, offset + position);
            if (batchLength < RecordBatches.CRC_START_OFFSET || position + batchLength > length ||
                RecordBatches.computeCrc(buffer, offset + position, batchLength) !=
                RecordBatches.crc(buffer, offset + position))
            {
                break;
            }
            position += batchLength;
        }
        return position;
    }

    /**
     * @return fetches refused because the batch at their offset failed its checksum.
     */
    public long corruptBatchesRefused()
    {
        return corruptBatchesRefused;
    }

    private PartitionLog lookup(final String topic, final int partition)
    {
        final PartitionLog[] logs = registry.partitions(topic);
        if (logs == null || partition < 0 || partition >= logs.length)
        {
            return null;
        }
        return logs[partition];
    }

    private ErrorCode lookupError(final String topic)
    {
        return registry.partitions(topic) == null ? ErrorCode.UNKNOWN_TOPIC : ErrorCode.PARTITION_OUT_OF_RANGE;
    }

    private String lookupMessage(final String topic, final int partition)
    {
        final PartitionLog[] logs = registry.partitions(topic);
        return logs == null ? "unknown topic '" + topic + "'" :
            "topic '" + topic + "' has " + logs.length + " partitions; partition " + partition + " does not exist";
    }

    private ResponseChannel channel(final String requested, final int streamId)
    {
        final String key = requested + "#" + streamId;
        ResponseChannel channel = channels.get(key);
        if (channel == null)
        {
            if (channels.size() >= MAX_RESPONSE_CHANNELS)
            {
                throw new IllegalStateException("too many clients");
            }
            final ChannelUri uri = ChannelUri.parse(requested);
            final String responseEndpoint = uri.get("endpoint");
            if (!"udp".equals(uri.media()) || responseEndpoint == null || responseEndpoint.endsWith(":0"))
            {
                throw new IllegalArgumentException("response channel must be aeron:udp with an endpoint");
            }
            final ExclusivePublication publication = publications.open(
                "aeron:udp?endpoint=" + responseEndpoint + RESPONSE_CHANNEL_PARAMS + mtuParam, streamId);
            channel = new ResponseChannel(key, publication, nowNs);
            channels.put(key, channel);
        }
        return channel;
    }

    private int closeIdleChannels()
    {
        int closed = 0;
        for (final Iterator<ResponseChannel> it = channels.values().iterator(); it.hasNext(); )
        {
            final ResponseChannel channel = it.next();
            if (nowNs - channel.lastUsedNs > IDLE_PUBLICATION_TIMEOUT_NS && !isInUse(channel))
            {
                channel.publication.close();
                it.remove();
                closed++;
            }
        }
        return closed;
    }

    private boolean isInUse(final ResponseChannel channel)
    {
        for (final PendingFetch fetch : pending)
        {
            if (fetch.channel == channel)
            {
                return true;
            }
        }
        return false;
    }

    private static void checkWithin(final int limit, final int offset, final int length)
    {
        if (limit > offset + length)
        {
            throw new IllegalArgumentException("request runs past its message");
        }
    }

    /**
     * Opens a response publication: Aeron's in production.
     */
    @FunctionalInterface
    interface Publications
    {
        ExclusivePublication open(String channel, int streamId);
    }

    private static final class ResponseChannel
    {
        final String key;
        final ExclusivePublication publication;
        long lastUsedNs;

        ResponseChannel(final String key, final ExclusivePublication publication, final long nowNs)
        {
            this.key = key;
            this.publication = publication;
            this.lastUsedNs = nowNs;
        }
    }

    private static final class PendingFetch
    {
        long correlationId;
        String topic;
        int partition;
        long fetchOffset;
        int maxBytes;
        long deadlineNs;
        /** When the request arrived: a reply waits for its channel to connect for a while from then. */
        long arrivedNs;
        ResponseChannel channel;
        /** Set for an answer already encoded (list offsets, node status) that waits only for its channel. */
        byte[] encodedReply;

        void clear()
        {
            topic = null;
            channel = null;
            encodedReply = null;
        }
    }
}
