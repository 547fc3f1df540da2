package io.tributary.kafka;

import io.tributary.log.internal.cluster.TributaryNode;
import org.agrona.concurrent.ShutdownSignalBarrier;

import java.util.ArrayList;
import java.util.List;

/**
 * A node with a Kafka gateway in its JVM, as {@code tributary server --kafka-port} runs them, for
 * {@code TestCluster.start(size, args, GatewayNode.class.getName())}: {@code TributaryNode}'s arguments plus
 * {@code --kafka-port PORT}. The gateway authenticates Kafka clients against the node's users and checks its ACLs;
 * its cluster session is the bootstrap admin's. Runs until SIGTERM.
 */
public final class GatewayNode
{
    private GatewayNode()
    {
    }

    public static void main(final String[] args)
    {
        int kafkaPort = 0;
        final List<String> nodeArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            if ("--kafka-port".equals(args[i]))
            {
                kafkaPort = Integer.parseInt(args[++i]);
            }
            else
            {
                nodeArgs.add(args[i]);
            }
        }
        final TributaryNode.Context ctx = TributaryNode.contextFromArgs(nodeArgs.toArray(String[]::new));
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            TributaryNode node = TributaryNode.launch(ctx);
            KafkaGateway gateway = KafkaGateway.launch(new KafkaGateway.Context()
                .cluster(ctx.members().toString()).nodeId(ctx.nodeId()).port(kafkaPort)
                .security(node.security()).credentials(ctx.security().nodeCredentials())))
        {
            System.err.println("Kafka gateway of node " + ctx.nodeId() + " on port " + gateway.port());
            barrier.await();
        }
    }
}
