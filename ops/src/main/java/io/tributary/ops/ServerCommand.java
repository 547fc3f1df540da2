package io.tributary.ops;

import io.tributary.jobs.Worker;
import io.tributary.kafka.KafkaGateway;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.cluster.TributaryNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tributary server}: one node in the foreground until SIGTERM or SIGINT, then a clean shutdown.
 */
@Command(name = "server", description = {
    "Run one node in the foreground until SIGTERM or SIGINT (Ctrl-C), then shut it down cleanly.",
    "Prints one line to stderr when the node is up.",
    "A single-node server also runs a job worker in the same process (see --worker-slots), so that",
    "'tributary job deploy' works on it without a separate 'tributary worker'.",
    "With --kafka-port, Kafka clients and tools connect to the node on that port (see the README, 'Kafka clients');",
    "with authentication on they use SASL/SCRAM-SHA-256 as Tributary users, and the ACLs apply to them." })
final class ServerCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--node-id", paramLabel = "N", defaultValue = "0",
        description = "this node's id in the members list (default: ${DEFAULT-VALUE})")
    int nodeId;

    @Option(names = "--members", paramLabel = "LIST", defaultValue = ClusterMembers.DEFAULT,
        converter = ClusterOption.MembersConverter.class,
        description = "every node of the cluster, id=host:basePort,...; each node uses " +
            ClusterMembers.PORTS_PER_NODE + " ports from its base port (default: ${DEFAULT-VALUE})")
    String members;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "tributary-data",
        description = "where the node keeps its log and state (default: ./${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--snapshot-log-bytes", paramLabel = "BYTES", defaultValue = "268435456",
        description = "take a snapshot once the cluster log has grown this much; the log before the snapshot " +
            "before it is then purged (default: ${DEFAULT-VALUE}, 256 MiB)")
    long snapshotLogBytes;

    @Option(names = "--snapshot-interval", paramLabel = "DURATION", defaultValue = "10m",
        converter = DurationConverter.class,
        description = "take a snapshot at least this often when anything was written (default: ${DEFAULT-VALUE})")
    java.time.Duration snapshotInterval;

    @Option(names = "--retention-check-interval", paramLabel = "DURATION", defaultValue = "30s",
        converter = DurationConverter.class,
        description = "the most time, in cluster time, before retention deletes or compaction rewrites what it " +
            "should; checks run twice per interval (default: ${DEFAULT-VALUE})")
    java.time.Duration retentionCheckInterval;

    @Option(names = "--archive-dir", paramLabel = "DIR",
        description = "where topics with remote.storage.enable=true copy closed segments before retention deletes " +
            "them, and are read back from (another disk or a mounted share); without it they keep local data only")
    Path archiveDir;

    @Mixin
    PluginPathOption plugins;

    @Option(names = "--worker-slots", paramLabel = "N", defaultValue = "8",
        description = "slots of the embedded job worker of a single-node server; 0 runs none; a server of a "
            + "multi-node cluster runs none (start 'tributary worker' processes) (default: ${DEFAULT-VALUE})")
    int workerSlots;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "-1",
        description = "serve Kafka's protocol on this TCP port (producers, consumers, admin clients and CLI tools of " +
            "kafka-clients); off unless set")
    int kafkaPort;

    @Option(names = "--kafka-host", paramLabel = "HOST",
        description = "address the Kafka port listens on (default: this node's host in --members)")
    String kafkaHost;

    @Option(names = "--kafka-advertised-host", paramLabel = "HOST",
        description = "host Kafka clients are told to connect to (default: the listen address, or this machine's " +
            "name when it listens on 0.0.0.0)")
    String kafkaAdvertisedHost;

    @Option(names = "--auth", negatable = true,
        description = "clients must authenticate (SCRAM-SHA-256) and requests are checked against ACLs; on by " +
            "default for a multi-node cluster, off for a single node; must be the same on every node")
    Boolean auth;

    @Option(names = "--super-users", paramLabel = "USERS", split = ",",
        description = "users allowed everything, user and ACL administration included (the bootstrap admin is one)")
    java.util.List<String> superUsers = new java.util.ArrayList<>();

    @Option(names = "--admin-credentials-file", paramLabel = "FILE",
        description = "username= and password= of the bootstrap admin, readable by its owner only (chmod 600); " +
            "else $TRIBUTARY_ADMIN_USERNAME and $TRIBUTARY_ADMIN_PASSWORD")
    Path adminCredentialsFile;

    ServerCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call() throws InterruptedException
    {
        final ClusterMembers parsed = ClusterMembers.parse(members);
        if (parsed.members().stream().noneMatch(m -> m.id() == nodeId))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--node-id " + nodeId + " is not in --members " + parsed);
        }
        final boolean secured = auth != null ? auth : parsed.members().size() > 1;
        final TributaryNode.Context node = new TributaryNode.Context()
            .nodeId(nodeId)
            .members(parsed)
            .dataDir(dataDir)
            .snapshotLogBytes(snapshotLogBytes)
            .snapshotIntervalNs(snapshotInterval.toNanos())
            .retentionCheckIntervalMs(retentionCheckInterval.toMillis())
            .segmentArchiveDir(archiveDir)
            .security(TributaryNode.securityConfig(secured, java.util.Set.copyOf(superUsers), adminCredentialsFile,
                ctx.env()));
        if (secured && kafkaPort >= 0 && node.security().nodeCredentials() == null)
        {
            // The gateway checks its Kafka clients itself, over a cluster session of a super user.
            throw new CommandLine.ParameterException(spec.commandLine(), "--kafka-port with authentication on " +
                "needs the bootstrap admin (--admin-credentials-file, or $TRIBUTARY_ADMIN_USERNAME and " +
                "$TRIBUTARY_ADMIN_PASSWORD): the Kafka gateway's cluster session is the admin's");
        }
        return run(parsed, node);
    }

    /**
     * The Kafka gateway runs beside the node, once it is up: it authenticates Kafka clients against the node's users
     * and checks them against its ACLs, and its own cluster session is the bootstrap admin's. It stops before the
     * node (Kafka clients see their connections close and retry elsewhere or later).
     */
    private KafkaGateway startGateway(final ClusterMembers parsed, final TributaryNode running)
    {
        if (kafkaPort < 0)
        {
            return null;
        }
        final String host = parsed.members().stream().filter(m -> m.id() == nodeId).findFirst().orElseThrow().host();
        return KafkaGatewayLauncher.start(new KafkaGateway.Context().cluster(parsed.toString()).nodeId(nodeId)
            .bindHost(kafkaHost != null ? kafkaHost : host).advertisedHost(kafkaAdvertisedHost).port(kafkaPort)
            .security(running.security()).credentials(running.context().security().nodeCredentials()), ctx.err());
    }

    private Integer run(final ClusterMembers parsed, final TributaryNode.Context node) throws InterruptedException
    {
        if (workerSlots <= 0 || parsed.members().size() > 1)
        {
            try (org.agrona.concurrent.ShutdownSignalBarrier barrier = new org.agrona.concurrent.ShutdownSignalBarrier();
                TributaryNode running = TributaryNode.launch(node);
                KafkaGateway gateway = startGateway(parsed, running))
            {
                ctx.err().println("tributary node " + nodeId + " is up: members " + parsed + ", data dir " +
                    dataDir.toAbsolutePath().normalize() + "; stop with Ctrl-C or SIGTERM");
                ctx.err().flush();
                barrier.await();
                // java.util.logging is already shut down by now: speak directly.
                System.err.println("node " + nodeId + " stopping");
            }
            System.err.println("node " + nodeId + " stopped");
            return TributaryCli.OK;
        }
        // The embedded worker's clients authenticate as the bootstrap admin when there is one.
        if (adminCredentialsFile != null)
        {
            io.tributary.log.Credentials.setProcessDefault(io.tributary.log.Credentials.fromFile(adminCredentialsFile));
        }
        // With a worker, signals are handled before the JVM shuts down: its tasks checkpoint and leave their groups
        // while the node and the cluster clients still work, then the node stops.
        final Worker worker = Worker.create(Worker.Config.of(parsed.toString())
            .withId("node-" + nodeId + "-" + ProcessHandle.current().pid()).withSlots(workerSlots)
            .withEnv(ctx.env()).withPluginPath(plugins.pluginPath()));
        final CountDownLatch signalled = new CountDownLatch(1);
        TerminationSignals.handle(signalled::countDown);
        try (TributaryNode running = TributaryNode.launch(node); KafkaGateway gateway = startGateway(parsed, running))
        {
            ctx.err().println("tributary node " + nodeId + " is up: members " + parsed + ", data dir " +
                dataDir.toAbsolutePath().normalize() + ", job worker with " + workerSlots +
                " slots; stop with Ctrl-C or SIGTERM");
            ctx.err().flush();
            final Thread workerThread = new Thread(worker::run, "job-worker");
            workerThread.setDaemon(true);
            workerThread.start();
            signalled.await();
            ctx.err().println("node " + nodeId + " stopping");
            ctx.err().flush();
            worker.close();
            workerThread.join(60_000);
        }
        ctx.err().println("node " + nodeId + " stopped");
        ctx.err().flush();
        return TributaryCli.OK;
    }
}
