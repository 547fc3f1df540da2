package io.tributary.kafka;

import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The gateway's TCP side: Kafka's framing (a 4-byte big-endian size, then the request) over non-blocking sockets on
 * one selector thread.
 * <p>
 * Per connection, requests are answered strictly in the order they arrived, whatever order the cluster answers them
 * in (clients pipeline several requests): each request takes a slot in the connection's queue, and bytes go out
 * only from the head while its slot is filled. Back-pressure instead of unbounded buffers: the server stops reading
 * a connection while it has {@code maxInflightRequests} requests unanswered or more than {@code maxUnsentBytes} of
 * answers the client has not read, and reads on once it drains. A frame whose size prefix is negative or above
 * {@code maxFrameBytes}, or that does not parse as a Kafka request, closes that connection and nothing else.
 * <p>
 * With security on, each connection authenticates first ({@link SaslAuthentication}): until then any request but
 * ApiVersions, SaslHandshake and SaslAuthenticate closes it, and every later request carries its principal.
 * <p>
 * Threading: the selector thread owns sockets and reading; slots are filled from whichever thread completes a
 * request (the cluster client's conductor), which then wakes the selector to write.
 */
final class SocketServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(SocketServer.class.getName());
    private static final int INITIAL_FRAME_BYTES = 64 * 1024;

    private final KafkaGateway.Context ctx;
    private final KafkaApis apis;
    private final io.tributary.log.internal.security.SecurityView security;
    private final Selector selector;
    private final ServerSocketChannel serverChannel;
    private final ConcurrentLinkedQueue<Connection> writable = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    SocketServer(final InetSocketAddress address, final KafkaGateway.Context ctx, final KafkaApis apis)
        throws IOException
    {
        this.ctx = ctx;
        this.apis = apis;
        this.security = ctx.security();
        selector = Selector.open();
        serverChannel = ServerSocketChannel.open();
        try
        {
            serverChannel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            serverChannel.bind(address, 128);
            serverChannel.configureBlocking(false);
            serverChannel.register(selector, SelectionKey.OP_ACCEPT);
        }
        catch (final IOException ex)
        {
            serverChannel.close();
            selector.close();
            throw ex;
        }
        thread = new Thread(this::run, "kafka-gateway-" + port());
        thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    int port()
    {
        return serverChannel.socket().getLocalPort();
    }

    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            thread.join(10_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        try
        {
            while (running)
            {
                selector.select(100);
                Connection ready;
                while ((ready = writable.poll()) != null)
                {
                    final Connection connection = ready;
                    guarded(connection, connection::flush);
                }
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid())
                    {
                        continue;
                    }
                    if (key.isAcceptable())
                    {
                        try
                        {
                            accept();
                        }
                        catch (final IOException ex)
                        {
                            // Out of file descriptors or a client gone before it was accepted: keep serving the rest.
                            LOG.log(System.Logger.Level.WARNING, "cannot accept a Kafka connection: " + ex);
                        }
                    }
                    else
                    {
                        final Connection connection = (Connection)key.attachment();
                        guarded(connection, () ->
                        {
                            if (key.isWritable())
                            {
                                connection.flush();
                            }
                            if (key.isValid() && key.isReadable())
                            {
                                connection.read();
                            }
                        });
                    }
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "Kafka gateway selector stopped", ex);
        }
        finally
        {
            for (final SelectionKey key : selector.keys())
            {
                if (key.attachment() instanceof Connection connection)
                {
                    connection.close();
                }
            }
            try
            {
                serverChannel.close();
                selector.close();
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.DEBUG, "closing the Kafka gateway", ex);
            }
        }
    }

    /**
     * Whatever goes wrong with one connection closes that connection, never the selector.
     */
    private static void guarded(final Connection connection, final Runnable work)
    {
        try
        {
            work.run();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "closing a Kafka connection after an unexpected error", ex);
            connection.close();
        }
    }

    private void accept() throws IOException
    {
        final SocketChannel channel = serverChannel.accept();
        if (channel == null)
        {
            return;
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        final Connection connection = new Connection(channel);
        connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
    }

    /** One request's place in its connection's answer order. */
    private static final class Slot
    {
        ByteBuffer bytes;
        boolean done;
        boolean failed;
        /** Close the connection once this answer is sent (a failed authentication). */
        boolean closeAfter;
    }

    private final class Connection
    {
        private final SocketChannel channel;
        private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
        private final ArrayDeque<Slot> slots = new ArrayDeque<>();
        private final SaslAuthentication authentication = new SaslAuthentication(security);
        private SelectionKey key;
        private ByteBuffer frame;
        private int frameSize;
        private long unsentBytes;
        private boolean closed;
        /** An answer that ends the connection is queued: nothing more is read. */
        private boolean closing;

        Connection(final SocketChannel channel)
        {
            this.channel = channel;
        }

        void read()
        {
            try
            {
                while (!closed && canRead())
                {
                    if (frame == null)
                    {
                        if (channel.read(sizeBuffer) < 0)
                        {
                            close();
                            return;
                        }
                        if (sizeBuffer.hasRemaining())
                        {
                            return;
                        }
                        final int size = sizeBuffer.getInt(0);
                        if (size <= 0 || size > ctx.maxFrameBytes())
                        {
                            LOG.log(System.Logger.Level.INFO, "closing Kafka connection " + remote() +
                                ": frame size " + size + " outside 1.." + ctx.maxFrameBytes());
                            close();
                            return;
                        }
                        // A size prefix alone does not get its bytes allocated: the buffer grows as they arrive.
                        frameSize = size;
                        frame = ByteBuffer.allocate(Math.min(size, INITIAL_FRAME_BYTES));
                    }
                    if (channel.read(frame) < 0)
                    {
                        close();
                        return;
                    }
                    if (frame.hasRemaining())
                    {
                        return;
                    }
                    if (frame.capacity() < frameSize)
                    {
                        final ByteBuffer larger = ByteBuffer.allocate((int)Math.min(frameSize, 2L * frame.capacity()));
                        frame = larger.put(frame.flip());
                        continue;
                    }
                    final ByteBuffer request = frame.flip();
                    frame = null;
                    sizeBuffer.clear();
                    dispatch(request);
                }
                updateInterest();
            }
            catch (final IOException ex)
            {
                close();
            }
        }

        private boolean canRead()
        {
            synchronized (this)
            {
                return !closing && slots.size() < ctx.maxInflightRequests() && unsentBytes <= ctx.maxUnsentBytes();
            }
        }

        private void dispatch(final ByteBuffer buffer)
        {
            final RequestHeader header;
            final AbstractRequest request;
            try
            {
                header = RequestHeader.parse(buffer);
                if (!apis.isSupported(header.apiKey(), header.apiVersion()) &&
                    header.apiKey() == ApiKeys.API_VERSIONS)
                {
                    // A client newer than the gateway: answer at version 0 with what is supported, as brokers do.
                    final ApiVersionsResponseData data = apis.apiVersions()
                        .setErrorCode(Errors.UNSUPPORTED_VERSION.code());
                    enqueue(header, CompletableFuture.completedFuture(data), (short)0, false);
                    return;
                }
                request = AbstractRequest.parseRequest(
                    header.apiKey(), header.apiVersion(), new ByteBufferAccessor(buffer)).request;
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.INFO, "closing Kafka connection " + remote() + ": bad request: " + ex);
                close();
                return;
            }

            final ApiKeys apiKey = header.apiKey();
            final boolean sasl = apiKey == ApiKeys.SASL_HANDSHAKE || apiKey == ApiKeys.SASL_AUTHENTICATE;
            if (authentication.required() && !sasl && apiKey != ApiKeys.API_VERSIONS)
            {
                LOG.log(System.Logger.Level.INFO, "closing Kafka connection " + remote() + ": " + apiKey +
                    " before SASL authentication");
                close();
                return;
            }

            CompletableFuture<ApiMessage> response;
            if (!apis.isSupported(header.apiKey(), header.apiVersion()))
            {
                response = CompletableFuture.completedFuture(request.getErrorResponse(0,
                    new UnsupportedVersionException(header.apiKey() + " v" + header.apiVersion() +
                    " is not supported by the Tributary gateway")).data());
            }
            else if (sasl)
            {
                final SaslAuthentication.Answer answer = apiKey == ApiKeys.SASL_HANDSHAKE ?
                    authentication.handshake((SaslHandshakeRequestData)request.data()) :
                    authentication.authenticate((SaslAuthenticateRequestData)request.data());
                if (answer.body() == null)
                {
                    close();
                    return;
                }
                if (answer.close())
                {
                    LOG.log(System.Logger.Level.INFO, "closing Kafka connection " + remote() +
                        ": SASL authentication failed");
                    closing = true;
                }
                enqueue(header, CompletableFuture.completedFuture(answer.body()), header.apiVersion(), answer.close());
                return;
            }
            else
            {
                try
                {
                    response = apis.handle(header, request, authentication.principal());
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(System.Logger.Level.WARNING, "Kafka request " + header + " failed", ex);
                    response = CompletableFuture.completedFuture(request.getErrorResponse(0, ex).data());
                }
            }
            final CompletableFuture<ApiMessage> answer = response.exceptionally(ex ->
            {
                LOG.log(System.Logger.Level.DEBUG, "Kafka request " + header + " failed", ex);
                return request.getErrorResponse(0, KafkaErrors.kafkaException(ex)).data();
            });
            enqueue(header, answer, header.apiVersion(), false);
        }

        private void enqueue(final RequestHeader header, final CompletableFuture<ApiMessage> response,
            final short version, final boolean closeAfter)
        {
            final Slot slot = new Slot();
            slot.closeAfter = closeAfter;
            synchronized (this)
            {
                slots.add(slot);
            }
            response.whenComplete((value, ex) ->
            {
                ByteBuffer bytes = null;
                boolean failed = false;
                if (value != null)
                {
                    try
                    {
                        bytes = serialize(header, value, version);
                    }
                    catch (final RuntimeException serializeEx)
                    {
                        // The client would wait forever for this answer: closing tells it to retry elsewhere.
                        LOG.log(System.Logger.Level.WARNING, "cannot encode the answer to " + header, serializeEx);
                        failed = true;
                    }
                }
                synchronized (this)
                {
                    slot.bytes = bytes;
                    slot.done = true;
                    slot.failed = failed;
                    if (bytes != null)
                    {
                        unsentBytes += bytes.remaining();
                    }
                }
                writable.offer(this);
                selector.wakeup();
            });
        }

        void flush()
        {
            if (closed)
            {
                return;
            }
            try
            {
                synchronized (this)
                {
                    while (!slots.isEmpty() && slots.peek().done)
                    {
                        final Slot head = slots.peek();
                        if (head.failed)
                        {
                            close();
                            return;
                        }
                        if (head.bytes != null)
                        {
                            final int before = head.bytes.remaining();
                            channel.write(head.bytes);
                            unsentBytes -= before - head.bytes.remaining();
                            if (head.bytes.hasRemaining())
                            {
                                break;
                            }
                        }
                        slots.poll();
                        if (head.closeAfter)
                        {
                            close();
                            return;
                        }
                    }
                }
                updateInterest();
                if (!closed && canRead() && (key.interestOps() & SelectionKey.OP_READ) != 0)
                {
                    // Reading may have stopped mid-stream with whole frames already in the socket buffer.
                    read();
                }
            }
            catch (final IOException ex)
            {
                close();
            }
        }

        private void updateInterest()
        {
            if (closed || !key.isValid())
            {
                return;
            }
            int ops = 0;
            synchronized (this)
            {
                if (!slots.isEmpty() && slots.peek().done)
                {
                    ops |= SelectionKey.OP_WRITE;
                }
            }
            if (canRead())
            {
                ops |= SelectionKey.OP_READ;
            }
            key.interestOps(ops);
        }

        private String remote()
        {
            try
            {
                return String.valueOf(channel.getRemoteAddress());
            }
            catch (final IOException ex)
            {
                return "(closed)";
            }
        }

        void close()
        {
            if (closed)
            {
                return;
            }
            closed = true;
            if (key != null)
            {
                key.cancel();
            }
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.DEBUG, "closing a Kafka connection", ex);
            }
        }
    }

    /**
     * @return the answer framed for the wire: size, response header, body.
     */
    static ByteBuffer serialize(final RequestHeader header, final ApiMessage body, final short version)
    {
        final ResponseHeader responseHeader = new ResponseHeader(header.correlationId(),
            header.apiKey().responseHeaderVersion(version));
        final ObjectSerializationCache cache = new ObjectSerializationCache();
        final ApiMessage headerData = responseHeader.data();
        final int size = headerData.size(cache, responseHeader.headerVersion()) + body.size(cache, version);
        final ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        final ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        headerData.write(accessor, cache, responseHeader.headerVersion());
        body.write(accessor, cache, version);
        return buffer.flip();
    }
}
