package io.tributary.ops;

import io.tributary.kafka.KafkaGateway;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Starts the Kafka gateway beside a node for {@code tributary server --kafka-port} and the demos, and says how to
 * connect.
 */
final class KafkaGatewayLauncher
{
    /** The port Kafka clients try first. */
    static final int KAFKA_DEFAULT_PORT = 9092;

    private KafkaGatewayLauncher()
    {
    }

    /**
     * @param members  the cluster the gateway forwards to.
     * @param nodeId   the broker id it gives itself.
     * @param bindHost the address to listen on.
     * @param port     the TCP port; 0 for any free one.
     * @param out      where to say how to connect.
     * @return the running gateway.
     */
    static KafkaGateway start(
        final String members, final int nodeId, final String bindHost, final String advertisedHost, final int port,
        final PrintWriter out)
    {
        return start(new KafkaGateway.Context()
            .cluster(members).nodeId(nodeId).bindHost(bindHost).advertisedHost(advertisedHost).port(port), out);
    }

    /**
     * @param gatewayCtx the gateway's settings.
     * @param out        where to say how to connect.
     * @return the running gateway.
     */
    static KafkaGateway start(final KafkaGateway.Context gatewayCtx, final PrintWriter out)
    {
        final KafkaGateway gateway = KafkaGateway.launch(gatewayCtx);
        final boolean sasl = gatewayCtx.security() != null && gatewayCtx.security().enabled();
        out.println("Kafka clients and tools can connect with bootstrap.servers=" + gateway.advertisedHost() + ":" +
            gateway.port() + (sasl ? ", security.protocol=SASL_PLAINTEXT and sasl.mechanism=SCRAM-SHA-256 as a " +
            "Tributary user" : " (e.g. kafka-console-consumer.sh --bootstrap-server " + gateway.advertisedHost() +
            ":" + gateway.port() + " --topic T --from-beginning)"));
        out.flush();
        return gateway;
    }

    /**
     * @return 9092 when it is free on {@code host}, else 0 (any free port).
     */
    static int defaultPort(final String host)
    {
        try (ServerSocket probe = new ServerSocket())
        {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, KAFKA_DEFAULT_PORT));
            return KAFKA_DEFAULT_PORT;
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }
}
