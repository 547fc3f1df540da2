package io.tributary.log.internal.client;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.tributary.log.Credentials;
import io.tributary.log.ErrorCode;
import io.tributary.log.internal.codecs.FetchAuthRequestEncoder;
import io.tributary.log.internal.codecs.FetchAuthResponseDecoder;
import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.codecs.FetchRequestEncoder;
import io.tributary.log.internal.codecs.FetchResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.ListOffsetsRequestEncoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.NodeStatusRequestEncoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.fetch.FetchServer;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Talks to the nodes' fetch servers: fetch, list offsets, node status. One response subscription serves every
 * request of the runtime; responses are matched by correlation id.
 * <p>
 * Reads go to one node at a time (any node serves committed data); a node that does not connect or answer in time
 * is skipped for the next request.
 * <p>
 * Fetches of the same partition from the same offset share one request: consumers in a JVM that read the same
 * tail (a fan-out) cost the fetch server one request and one response, whatever their number.
 * <p>
 * Threading: {@code fetch}, {@code listOffsets} and {@code nodeStatus} from any thread; the rest on the runtime's
 * conductor thread.
 */
public final class FetchClient
{
    /**
     * Response stream ids are drawn per client from a range of their own: a node keeps its response publication to
     * an endpoint for a while after the client closed, and a new client whose port the OS reused must not receive
     * on that old publication, whose first answers it would miss while joining it.
     */
    private static final int RESPONSE_STREAM_ID_BASE = 0x4000_0000;
    private static final int RESPONSE_STREAM_ID_RANGE = 0x1000_0000;
    private static final long NODE_CONNECT_TIMEOUT_NS = 2_000_000_000L;
    private static final long RESPONSE_GRACE_NS = 3_000_000_000L;

    private final Aeron aeron;
    private final ClusterMembers members;
    private final Subscription responses;
    private final Publication[] publications;
    private final long[] publicationCreatedNs;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onResponse);
    private final ManyToOneConcurrentLinkedQueue<Request> submitted = new ManyToOneConcurrentLinkedQueue<>();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private final Long2ObjectHashMap<Request> inflight = new Long2ObjectHashMap<>();
    private final HashMap<FetchKey, Request> pendingFetches = new HashMap<>();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final FetchRequestEncoder fetchEncoder = new FetchRequestEncoder();
    private final ListOffsetsRequestEncoder listOffsetsEncoder = new ListOffsetsRequestEncoder();
    private final NodeStatusRequestEncoder statusEncoder = new NodeStatusRequestEncoder();
    private final ExpandableArrayBuffer requestBuffer = new ExpandableArrayBuffer(512);
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL);
    private final int responseStreamId;
    private String responseChannel;
    private int preferredNode;
    private long lastSweepNs;
    private final Credentials credentials;
    /** Per node: the fetch session authenticated there (see FetchSessions), or the exchange under way. */
    private final NodeAuth[] auth;
    private final FetchAuthRequestEncoder authEncoder = new FetchAuthRequestEncoder();
    private static final long AUTH_TIMEOUT_NS = 5_000_000_000L;
    private static final long AUTH_RETRY_NS = 1_000_000_000L;

    private static final class NodeAuth
    {
        boolean authenticated;
        long sessionId;
        Scram.Client exchange;
        long exchangeId;
        long correlationId;
        long startedNs;
        String error;
        long errorUntilNs;
    }

    FetchClient(final Aeron aeron, final ClusterMembers members, final String responseEndpoint)
    {
        this(aeron, members, responseEndpoint, null);
    }

    /**
     * @param responseEndpoint where nodes answer, {@code host:port}; port 0 lets the OS choose.
     * @param credentials      who to authenticate to the fetch servers as; null for nobody.
     */
    FetchClient(
        final Aeron aeron, final ClusterMembers members, final String responseEndpoint, final Credentials credentials)
    {
        this.aeron = aeron;
        this.members = members;
        this.credentials = credentials;
        this.auth = new NodeAuth[members.size()];
        for (int i = 0; i < auth.length; i++)
        {
            auth[i] = new NodeAuth();
        }
        this.responseStreamId = RESPONSE_STREAM_ID_BASE + ThreadLocalRandom.current().nextInt(RESPONSE_STREAM_ID_RANGE);
        this.responses = aeron.addSubscription("aeron:udp?endpoint=" + responseEndpoint, responseStreamId);
        this.publications = new Publication[members.size()];
        this.publicationCreatedNs = new long[members.size()];
    }

    /**
     * Fetch whole batches from the one holding {@code fetchOffset}.
     *
     * @param maxWaitMs how long the server may hold the request when there is nothing to return yet.
     * @param handler   told the {@code FetchResponse}.
     */
    public void fetch(
        final String topic,
        final int partition,
        final long fetchOffset,
        final int maxBytes,
        final int maxWaitMs,
        final ResponseHandler handler)
    {
        final Request request = new Request(RequestType.FETCH, -1, topic, partition, handler,
            maxWaitMs * 1_000_000L + RESPONSE_GRACE_NS);
        request.offset = fetchOffset;
        request.maxBytes = maxBytes;
        request.maxWaitMs = maxWaitMs;
        submitted.offer(request);
    }

    /**
     * @param spec      earliest, latest, or by timestamp.
     * @param timestamp epoch ms, for {@link OffsetSpec#TIMESTAMP}.
     * @param handler   told the {@code ListOffsetsResponse}.
     */
    public void listOffsets(
        final String topic,
        final int partition,
        final OffsetSpec spec,
        final long timestamp,
        final long timeoutNs,
        final ResponseHandler handler)
    {
        final Request request = new Request(RequestType.LIST_OFFSETS, -1, topic, partition, handler, timeoutNs);
        request.spec = spec;
        request.offset = timestamp;
        submitted.offer(request);
    }

    /**
     * @param nodeId  the node to ask.
     * @param handler told the {@code NodeStatusResponse}, or a timeout when the node is down.
     */
    public void nodeStatus(final int nodeId, final long timeoutNs, final ResponseHandler handler)
    {
        int index = -1;
        final List<ClusterMembers.Member> list = members.members();
        for (int i = 0; i < list.size(); i++)
        {
            if (list.get(i).id() == nodeId)
            {
                index = i;
            }
        }
        if (index < 0)
        {
            throw new IllegalArgumentException("no node " + nodeId + " in " + members);
        }
        submitted.offer(new Request(RequestType.NODE_STATUS, index, null, 0, handler, timeoutNs));
    }

    int doWork(final long nowNs)
    {
        int work = 0;
        Request request;
        while ((request = submitted.poll()) != null)
        {
            work++;
            if (request.type == RequestType.FETCH)
            {
                final FetchKey key = new FetchKey(request.topic, request.partition, request.offset, request.maxBytes);
                final Request same = pendingFetches.get(key);
                if (same != null)
                {
                    same.followers.add(request.handler);
                    continue;
                }
                request.key = key;
                pendingFetches.put(key, request);
            }
            request.deadlineNs = nowNs + request.timeoutNs;
            waiting.add(request);
        }

        work += responses.poll(assembler, 64);

        if (responseChannel == null)
        {
            responseChannel = responses.tryResolveChannelEndpointPort();
        }
        if (responseChannel != null)
        {
            work += sendWaiting(nowNs);
        }

        if (nowNs - lastSweepNs > 10_000_000L)
        {
            lastSweepNs = nowNs;
            work += expire(nowNs);
        }
        return work;
    }

    void close()
    {
        for (final Request request : waiting)
        {
            request.fail(ErrorCode.CLOSED, "client closed");
        }
        waiting.clear();
        for (final Request request : new ArrayList<>(inflight.values()))
        {
            request.fail(ErrorCode.CLOSED, "client closed");
        }
        inflight.clear();
        for (final Publication publication : publications)
        {
            CloseHelper.quietClose(publication);
        }
        CloseHelper.quietClose(responses);
    }

    private int sendWaiting(final long nowNs)
    {
        int sent = 0;
        final int count = waiting.size();
        for (int i = 0; i < count; i++)
        {
            final Request request = waiting.poll();
            final int node = request.node >= 0 ? request.node : preferredNode;
            final Publication publication = publication(node, nowNs);
            if (!publication.isConnected())
            {
                if (request.node < 0 && nowNs - publicationCreatedNs[node] > NODE_CONNECT_TIMEOUT_NS)
                {
                    preferredNode = (preferredNode + 1) % publications.length;
                }
                waiting.add(request);
                continue;
            }

            if (credentials != null && request.type != RequestType.NODE_STATUS && !auth[node].authenticated)
            {
                final NodeAuth nodeAuth = auth[node];
                if (nodeAuth.error != null && nowNs - nodeAuth.errorUntilNs < 0)
                {
                    request.fail(ErrorCode.AUTHENTICATION_FAILED, nodeAuth.error);
                    continue;
                }
                if (nodeAuth.exchange == null || nowNs - nodeAuth.startedNs > AUTH_TIMEOUT_NS)
                {
                    startAuthentication(node, publication, nowNs);
                }
                waiting.add(request);
                continue;
            }

            final long correlationId = request.correlationId;
            request.sentTo = node;
            final int length = encode(request, correlationId);
            final long result = publication.offer(requestBuffer, 0, length);
            if (result > 0)
            {
                request.sentToNode = node;
                inflight.put(correlationId, request);
                sent++;
            }
            else
            {
                waiting.add(request);
            }
        }
        return sent;
    }

    private void startAuthentication(final int node, final Publication publication, final long nowNs)
    {
        final NodeAuth nodeAuth = auth[node];
        final char[] password = credentials.password();
        nodeAuth.exchange = new Scram.Client(credentials.username(), password);
        nodeAuth.startedNs = nowNs;
        nodeAuth.error = null;
        nodeAuth.correlationId = requestIds.incrementAndGet();
        sendAuth(nodeAuth, publication, 1, 0, nodeAuth.exchange.clientFirst());
    }

    private void sendAuth(
        final NodeAuth nodeAuth, final Publication publication, final int step, final long exchangeId,
        final byte[] message)
    {
        authEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(nodeAuth.correlationId)
            .step(step)
            .responseStreamId(responseStreamId)
            .exchangeId(exchangeId)
            .putMessage(message, 0, message.length)
            .responseChannel(responseChannel);
        // A lost step is sent again when the exchange times out.
        publication.offer(requestBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + authEncoder.encodedLength());
    }

    /**
     * @return true when the message was an answer to an authentication step.
     */
    /**
     * @param response the response alone: reads past it fail rather than read another message's bytes.
     * @return whether it was an authentication answer (handled, or dropped as unreadable).
     */
    private boolean onAuthResponse(final DirectBuffer response, final long correlationId)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(response, 0);
        if (header.templateId() != FetchAuthResponseDecoder.TEMPLATE_ID)
        {
            return false;
        }
        try
        {
            return onAuthResponse(response, header, correlationId);
        }
        catch (final RuntimeException ex)
        {
            return true;   // unreadable: the exchange it answers times out and starts again
        }
    }

    private boolean onAuthResponse(final DirectBuffer buffer, final MessageHeaderDecoder header,
        final long correlationId)
    {
        final int offset = 0;
        for (int node = 0; node < auth.length; node++)
        {
            final NodeAuth nodeAuth = auth[node];
            if (nodeAuth.exchange == null || nodeAuth.correlationId != correlationId)
            {
                continue;
            }
            final FetchAuthResponseDecoder decoder = new FetchAuthResponseDecoder().wrapAndApplyHeader(
                buffer, offset, header);
            final var code = decoder.errorCode();
            final long exchangeId = decoder.exchangeId();
            final long sessionId = decoder.sessionId();
            final byte[] message = new byte[decoder.messageLength()];
            decoder.getMessage(message, 0, message.length);
            final String error = decoder.errorMessage();
            if (code != io.tributary.log.internal.codecs.ErrorCode.NONE)
            {
                nodeAuth.exchange = null;
                nodeAuth.error = "fetch server of node " + members.members().get(node).id() + ": " + error;
                nodeAuth.errorUntilNs = System.nanoTime() + AUTH_RETRY_NS;
                return true;
            }
            if (exchangeId == 0)
            {
                // Security is off on that node.
                nodeAuth.exchange = null;
                nodeAuth.authenticated = true;
                nodeAuth.sessionId = 0;
            }
            else if (sessionId == 0)
            {
                try
                {
                    final byte[] clientFinal = nodeAuth.exchange.onServerFirst(message);
                    nodeAuth.correlationId = requestIds.incrementAndGet();
                    sendAuth(nodeAuth, publications[node], 2, exchangeId, clientFinal);
                }
                catch (final RuntimeException ex)
                {
                    nodeAuth.exchange = null;
                    nodeAuth.error = "fetch server of node " + members.members().get(node).id() +
                        " sent a bad SCRAM message: " + ex.getMessage();
                    nodeAuth.errorUntilNs = System.nanoTime() + AUTH_RETRY_NS;
                }
            }
            else if (nodeAuth.exchange.verifyServerFinal(message))
            {
                nodeAuth.exchange = null;
                nodeAuth.authenticated = true;
                nodeAuth.sessionId = sessionId;
            }
            else
            {
                nodeAuth.exchange = null;
                nodeAuth.error = "fetch server of node " + members.members().get(node).id() +
                    " could not prove it holds the credential of user '" + credentials.username() + "'";
                nodeAuth.errorUntilNs = System.nanoTime() + AUTH_RETRY_NS;
            }
            return true;
        }
        return true;
    }

    private int encode(final Request request, final long correlationId)
    {
        switch (request.type)
        {
            case FETCH ->
            {
                fetchEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
                    .correlationId(correlationId)
                    .partition(request.partition)
                    .fetchOffset(request.offset)
                    .maxBytes(request.maxBytes)
                    .maxWaitMs(request.maxWaitMs)
                    .responseStreamId(responseStreamId)
                    .sessionId(auth[request.sentTo].sessionId)
                    .topic(request.topic)
                    .responseChannel(responseChannel);
                return MessageHeaderEncoder.ENCODED_LENGTH + fetchEncoder.encodedLength();
            }
            case LIST_OFFSETS ->
            {
                listOffsetsEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
                    .correlationId(correlationId)
                    .partition(request.partition)
                    .spec(request.spec)
                    .timestamp(request.offset)
                    .responseStreamId(responseStreamId)
                    .sessionId(auth[request.sentTo].sessionId)
                    .topic(request.topic)
                    .responseChannel(responseChannel);
                return MessageHeaderEncoder.ENCODED_LENGTH + listOffsetsEncoder.encodedLength();
            }
            default ->
            {
                statusEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
                    .correlationId(correlationId)
                    .responseStreamId(responseStreamId)
                    .responseChannel(responseChannel);
                return MessageHeaderEncoder.ENCODED_LENGTH + statusEncoder.encodedLength();
            }
        }
    }

    private Publication publication(final int node, final long nowNs)
    {
        Publication publication = publications[node];
        if (publication == null || publication.isClosed())
        {
            final String endpoint = members.members().get(node).endpoint(ClusterMembers.FETCH_PORT_OFFSET);
            publication = aeron.addExclusivePublication(
                "aeron:udp?endpoint=" + endpoint + "|term-length=64k", FetchServer.REQUEST_STREAM_ID);
            publications[node] = publication;
            publicationCreatedNs[node] = nowNs;
        }
        return publication;
    }

    private void onResponse(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < 16)
        {
            return;
        }
        final long correlationId = buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
        if (onAuthResponse(new UnsafeBuffer(buffer, offset, length), correlationId))
        {
            return;
        }
        final Request request = inflight.remove(correlationId);
        if (request != null)
        {
            final io.tributary.log.internal.codecs.ErrorCode code =
                errorCode(new UnsafeBuffer(buffer, offset, length));
            if (credentials != null && request.authRetries == 0 &&
                code == io.tributary.log.internal.codecs.ErrorCode.AUTHENTICATION_FAILED)
            {
                // That node forgot the session (it restarted, or the session expired): authenticate again.
                request.authRetries++;
                auth[request.sentToNode].authenticated = false;
                waiting.add(request);
                return;
            }
            if (request.node < 0 && isRefusedByThatNode(request, code) &&
                ++request.redirects < publications.length)
            {
                // That node's copy is damaged, or it has not applied the topic's creation yet: ask the next one.
                preferredNode = (request.sentToNode + 1) % publications.length;
                waiting.add(request);
                return;
            }
            request.respond(buffer, offset, length);
        }
    }

    /**
     * @param response the response alone: reads past it fail rather than read another message's bytes.
     * @return the error code of a Fetch or ListOffsets response, or null when it is neither or cannot be read (the
     *         request's handler is told so).
     */
    private static io.tributary.log.internal.codecs.ErrorCode errorCode(final DirectBuffer response)
    {
        try
        {
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(response, 0);
            if (header.templateId() == FetchResponseDecoder.TEMPLATE_ID)
            {
                return new FetchResponseDecoder().wrapAndApplyHeader(response, 0, header).errorCode();
            }
            if (header.templateId() == ListOffsetsResponseDecoder.TEMPLATE_ID)
            {
                return new ListOffsetsResponseDecoder().wrapAndApplyHeader(response, 0, header).errorCode();
            }
            return null;
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * @return true when another node may answer better: this one's copy of the batch failed its checksum (a read),
     *         or it does not know the topic or partition yet (a follower behind the creation the caller saw
     *         acknowledged).
     */
    private static boolean isRefusedByThatNode(
        final Request request, final io.tributary.log.internal.codecs.ErrorCode code)
    {
        if (code == io.tributary.log.internal.codecs.ErrorCode.CORRUPT_BATCH)
        {
            return request.type == RequestType.FETCH;
        }
        return code == io.tributary.log.internal.codecs.ErrorCode.UNKNOWN_TOPIC ||
            code == io.tributary.log.internal.codecs.ErrorCode.PARTITION_OUT_OF_RANGE;
    }

    private int expire(final long nowNs)
    {
        int expired = 0;
        final int count = waiting.size();
        for (int i = 0; i < count; i++)
        {
            final Request request = waiting.poll();
            if (nowNs - request.deadlineNs > 0)
            {
                final String node = request.node >= 0 ? "node " + members.members().get(request.node).id() :
                    "any node of " + members;
                request.fail(ErrorCode.TIMEOUT, "could not reach the fetch server of " + node);
                expired++;
            }
            else
            {
                waiting.add(request);
            }
        }

        final Long2ObjectHashMap<Request>.EntryIterator entries = inflight.entrySet().iterator();
        while (entries.hasNext())
        {
            entries.next();
            final Request request = entries.getValue();
            if (nowNs - request.deadlineNs > 0)
            {
                entries.remove();
                if (request.node < 0 && request.sentToNode == preferredNode)
                {
                    preferredNode = (preferredNode + 1) % publications.length;
                }
                request.fail(ErrorCode.TIMEOUT, "no answer from the fetch server of node " +
                    members.members().get(request.sentToNode).id());
                expired++;
            }
        }
        return expired;
    }

    private enum RequestType
    {
        FETCH, LIST_OFFSETS, NODE_STATUS
    }

    private record FetchKey(String topic, int partition, long offset, int maxBytes)
    {
    }

    private final class Request
    {
        final List<ResponseHandler> followers = new ArrayList<>(0);
        FetchKey key;
        final RequestType type;
        final int node;
        final String topic;
        final int partition;
        final ResponseHandler handler;
        final long timeoutNs;
        final long correlationId;
        long deadlineNs;
        long offset;
        int maxBytes;
        int maxWaitMs;
        OffsetSpec spec;
        int sentToNode;
        int sentTo;
        int redirects;
        int authRetries;

        Request(
            final RequestType type,
            final int node,
            final String topic,
            final int partition,
            final ResponseHandler handler,
            final long timeoutNs)
        {
            this.type = type;
            this.node = node;
            this.topic = topic;
            this.partition = partition;
            this.handler = handler;
            this.timeoutNs = timeoutNs;
            this.correlationId = requestIds.incrementAndGet();
        }

        void respond(final DirectBuffer buffer, final int offset, final int length)
        {
            done();
            if (type != RequestType.FETCH)
            {
                ResponseHandler.deliver(handler, buffer, offset, length, false);
                return;
            }
            // One copy, whatever the number of consumers it answers.
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            final UnsafeBuffer copy = new UnsafeBuffer(bytes);
            ResponseHandler.deliver(handler, copy, 0, length, true);
            for (int i = 0; i < followers.size(); i++)
            {
                ResponseHandler.deliver(followers.get(i), copy, 0, length, true);
            }
        }

        void fail(final ErrorCode code, final String message)
        {
            done();
            handler.onFailure(code, message);
            for (int i = 0; i < followers.size(); i++)
            {
                followers.get(i).onFailure(code, message);
            }
        }

        private void done()
        {
            if (key != null)
            {
                pendingFetches.remove(key, this);
            }
        }
    }

}
