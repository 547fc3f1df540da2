package io.tributary.ops;

import io.tributary.examples.QuickstartDemo;
import io.tributary.kafka.KafkaGateway;
import io.tributary.log.internal.cluster.ClusterMembers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code tributary demo}: the quick start. Runs an embedded single node, writes and reads a topic, and removes it
 * all again.
 */
@Command(name = "demo", description = {
    "Run the quick-start demo on an embedded single-node cluster:",
    "create a topic, write 10,000 keyed records, read them back as a consumer group, then stop and clean up.",
    "With --jobs: deploy the example sensor jobs (generator source, readings pipeline, sensor alerts pipeline)",
    "on the embedded node's worker and print alerts as they arrive.",
    "Kafka clients and tools can connect while it runs: the Kafka port is 9092 when free (see --kafka-port)." })
final class DemoCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Option(names = "--members", paramLabel = "LIST", description = "the single node to run (default: ${DEFAULT-VALUE})")
    String members = ClusterMembers.DEFAULT;

    @Option(names = "--jobs", description = "run the jobs demo instead: example jobs deployed on the embedded worker")
    boolean jobs;

    @Option(names = "--max-wait", paramLabel = "DURATION", defaultValue = "180s", converter = DurationConverter.class,
        description = "with --jobs: how long to wait for alerts (default: ${DEFAULT-VALUE})")
    java.time.Duration maxWait;

    @Option(names = "--kafka-port", paramLabel = "PORT",
        description = "serve Kafka's protocol beside the embedded node on this port; -1 for none " +
            "(default: 9092 when free, else any free port)")
    Integer kafkaPort;

    DemoCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call() throws Exception
    {
        // The demo narrates for itself; the embedded node's start-up notices would only interleave with it.
        final Logger quiet = Logger.getLogger("io.tributary");
        quiet.setLevel(Level.WARNING);
        final String host = ClusterMembers.parse(members).members().get(0).host();
        final int port = kafkaPort != null ? kafkaPort : KafkaGatewayLauncher.defaultPort(host);
        // A client of the cluster: it connects once the demo's node is up.
        try (KafkaGateway gateway = port < 0 ? null :
            KafkaGatewayLauncher.start(members, 0, host, null, port, ctx.out()))
        {
            if (jobs)
            {
                JobsDemo.run(ctx, members, maxWait);
                return TributaryCli.OK;
            }
            QuickstartDemo.run(ctx.out(), members);
            return TributaryCli.OK;
        }
    }
}
