package io.tributary.kafka;

import io.tributary.log.Credentials;
import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.security.SecurityView;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A Kafka wire-protocol gateway: accepts Kafka clients (producers, consumers, admin clients, the CLI tools) on a TCP
 * port and maps their requests onto a Tributary cluster, as a Tributary client of it. It runs beside a node (in the
 * server's JVM) or anywhere that reaches the cluster.
 * <p>
 * Usage: {@code KafkaGateway.launch(new KafkaGateway.Context().cluster(...).port(9092))}, then {@link #close()}.
 * <p>
 * Security: given the {@link SecurityView} of the node it runs beside ({@code TributaryNode.security()}) with
 * security on, Kafka clients must authenticate with SASL/SCRAM-SHA-256 as one of the node's users, and each request
 * is checked against the node's ACLs with that user as principal ({@link GatewayAuthorizer}); the gateway's own
 * cluster session ({@link Context#credentials}) is then a super user's.
 * <p>
 * Threading: one selector thread does all socket I/O; requests are answered on the Tributary client's conductor
 * thread. {@link #close()} from any thread.
 */
public final class KafkaGateway implements AutoCloseable
{
    /**
     * What a gateway needs; validated once in {@link #conclude()}.
     */
    public static final class Context
    {
        private String cluster;
        private String bindHost = "127.0.0.1";
        private int port = 9092;
        private String advertisedHost;
        private int nodeId = 0;
        private int maxFrameBytes = 100 * 1024 * 1024;
        private int maxInflightRequests = 32;
        private int maxUnsentBytes = 16 * 1024 * 1024;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private SecurityView security;
        private Credentials credentials;

        /**
         * @param cluster members list of the Tributary cluster, e.g. {@code 0=127.0.0.1:9100}.
         */
        public Context cluster(final String cluster)
        {
            this.cluster = cluster;
            return this;
        }

        /**
         * @param bindHost address to listen on; {@code 0.0.0.0} for every interface.
         */
        public Context bindHost(final String bindHost)
        {
            this.bindHost = bindHost;
            return this;
        }

        /**
         * @param port TCP port; 0 lets the OS choose ({@link KafkaGateway#port()} says which).
         */
        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /**
         * @param advertisedHost host clients are told to connect to in Metadata; by default the bind host (or this
         *                       machine's name when binding every interface).
         */
        public Context advertisedHost(final String advertisedHost)
        {
            this.advertisedHost = advertisedHost;
            return this;
        }

        /**
         * @param nodeId the broker id this gateway gives itself in Metadata.
         */
        public Context nodeId(final int nodeId)
        {
            this.nodeId = nodeId;
            return this;
        }

        /**
         * @param maxFrameBytes largest request accepted; a larger size prefix closes the connection.
         */
        public Context maxFrameBytes(final int maxFrameBytes)
        {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /**
         * @param maxInflightRequests requests of one connection being answered at once; past it the gateway stops
         *                            reading that connection until answers go out.
         */
        public Context maxInflightRequests(final int maxInflightRequests)
        {
            this.maxInflightRequests = maxInflightRequests;
            return this;
        }

        /**
         * @param maxUnsentBytes response bytes of one connection waiting for the socket; past it the gateway stops
         *                       reading that connection until the client reads its answers.
         */
        public Context maxUnsentBytes(final int maxUnsentBytes)
        {
            this.maxUnsentBytes = maxUnsentBytes;
            return this;
        }

        /**
         * @param requestTimeout how long a request may wait for the cluster.
         */
        public Context requestTimeout(final Duration requestTimeout)
        {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * @param security users and ACLs of the node this gateway runs beside; with security on, Kafka clients
         *                 must authenticate (SASL/SCRAM-SHA-256) and are checked against the ACLs. Null (the
         *                 default) or off: no authentication, as a cluster without security.
         */
        public Context security(final SecurityView security)
        {
            this.security = security;
            return this;
        }

        /**
         * @param credentials who the gateway's own cluster session authenticates as: on a cluster with security on,
         *                    a super user's (the node's bootstrap admin), since the gateway checks its clients
         *                    itself; null (the default) for the process's default credentials.
         */
        public Context credentials(final Credentials credentials)
        {
            this.credentials = credentials;
            return this;
        }

        public SecurityView security()
        {
            return security;
        }

        public Credentials credentials()
        {
            return credentials;
        }

        public String cluster()
        {
            return cluster;
        }

        public int nodeId()
        {
            return nodeId;
        }

        public int maxFrameBytes()
        {
            return maxFrameBytes;
        }

        public int maxInflightRequests()
        {
            return maxInflightRequests;
        }

        public int maxUnsentBytes()
        {
            return maxUnsentBytes;
        }

        public Duration requestTimeout()
        {
            return requestTimeout;
        }

        String advertisedHost()
        {
            return advertisedHost;
        }

        /**
         * Validate and fill defaults.
         *
         * @throws IllegalArgumentException naming the bad setting.
         */
        public Context conclude()
        {
            Objects.requireNonNull(cluster, "cluster");
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("port " + port + " is not a TCP port");
            }
            if (maxFrameBytes < 1024 || maxInflightRequests < 1 || maxUnsentBytes < 1024)
            {
                throw new IllegalArgumentException("maxFrameBytes, maxInflightRequests and maxUnsentBytes must be " +
                    "positive (frames and unsent bytes at least 1 KiB)");
            }
            if (security != null && security.enabled())
            {
                final Credentials session = credentials != null ? credentials : Credentials.processDefault();
                if (session == null || !security.superUser(session.username()))
                {
                    throw new IllegalArgumentException("a Kafka gateway on a node with authentication on needs a " +
                        "super user's credentials for its cluster session (the bootstrap admin's): it checks its " +
                        "Kafka clients against the ACLs itself");
                }
            }
            if (advertisedHost == null)
            {
                advertisedHost = bindHost;
                if ("0.0.0.0".equals(bindHost) || "::".equals(bindHost))
                {
                    try
                    {
                        advertisedHost = java.net.InetAddress.getLocalHost().getHostName();
                    }
                    catch (final IOException ex)
                    {
                        advertisedHost = "localhost";
                    }
                }
            }
            return this;
        }
    }

    private final ClientRuntime runtime;
    private final SocketServer server;
    private final Context ctx;

    private KafkaGateway(final Context ctx)
    {
        this.ctx = ctx;
        this.runtime = ClientRuntime.acquire(ctx.cluster, ctx.credentials);
        try
        {
            final ClusterRequests requests = new ClusterRequests(runtime, ctx.requestTimeout);
            final int[] boundPort = new int[1];
            final KafkaApis apis = new KafkaApis(runtime, requests, ctx, () -> boundPort[0]);
            server = new SocketServer(new InetSocketAddress(ctx.bindHost, ctx.port), ctx, apis);
            boundPort[0] = server.port();
            server.start();
        }
        catch (final IOException ex)
        {
            runtime.release();
            throw new UncheckedIOException("cannot listen for Kafka clients on " + ctx.bindHost + ":" + ctx.port, ex);
        }
        catch (final RuntimeException ex)
        {
            runtime.release();
            throw ex;
        }
    }

    /**
     * Start listening.
     *
     * @throws UncheckedIOException when the port cannot be bound.
     */
    public static KafkaGateway launch(final Context ctx)
    {
        return new KafkaGateway(ctx.conclude());
    }

    /**
     * @return the port clients connect to.
     */
    public int port()
    {
        return server.port();
    }

    /**
     * @return the host clients are told to connect to.
     */
    public String advertisedHost()
    {
        return ctx.advertisedHost;
    }

    /**
     * Stop accepting, close every connection, and release the cluster client.
     */
    public void close()
    {
        try
        {
            server.close();
        }
        finally
        {
            runtime.release();
        }
    }
}
