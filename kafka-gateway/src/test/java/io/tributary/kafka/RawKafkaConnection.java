package io.tributary.kafka;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * One blocking TCP connection speaking Kafka's framing, for tests that must send exactly the bytes they choose
 * (the same batch twice, garbage).
 */
final class RawKafkaConnection implements AutoCloseable
{
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private int correlationId;

    RawKafkaConnection(final String host, final int port) throws IOException
    {
        socket = new Socket(host, port);
        socket.setSoTimeout(60_000);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    AbstractResponse send(final AbstractRequest request) throws IOException
    {
        return read(write(request));
    }

    /**
     * Send a request without waiting for its answer (pipelining).
     *
     * @return its header, to {@link #read} the answer with.
     */
    RequestHeader write(final AbstractRequest request) throws IOException
    {
        final RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", ++correlationId);
        final ByteBuffer bytes = request.serializeWithHeader(header);
        out.writeInt(bytes.remaining());
        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        out.flush();
        return header;
    }

    /**
     * Read the next answer on the connection as the answer to {@code header}'s request; fails when its correlation
     * id is another request's.
     */
    AbstractResponse read(final RequestHeader header) throws IOException
    {
        final int size = in.readInt();
        final byte[] response = new byte[size];
        in.readFully(response);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
    }

    void sendRaw(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    /**
     * @return true when the other side closed the connection (a read ends, or the connection is reset).
     */
    boolean closedByPeer()
    {
        try
        {
            return in.read() < 0;
        }
        catch (final IOException ex)
        {
            return !(ex instanceof java.net.SocketTimeoutException);
        }
    }

    public void close() throws IOException
    {
        socket.close();
    }
}
