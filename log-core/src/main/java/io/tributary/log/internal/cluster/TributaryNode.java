package io.tributary.log.internal.cluster;

import io.aeron.Aeron;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusterControl;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusterTerminationException;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.status.SystemCounterDescriptor;
import io.aeron.driver.exceptions.ActiveDriverException;
import io.tributary.log.internal.AeronSettings;
import io.tributary.log.Credentials;
import io.tributary.log.internal.fetch.FetchServer;
import io.tributary.log.internal.security.Scram;
import io.tributary.log.internal.security.ScramAuthenticator;
import io.tributary.log.internal.security.ScramCredential;
import io.tributary.log.internal.security.SecurityConfig;
import io.tributary.log.internal.security.SecurityView;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.ShutdownSignalBarrier;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One Tributary node: a media driver, archive and consensus module (Aeron Cluster), the {@link PartitionLogService},
 * and a {@link FetchServer}, all in this process, on the ports of its member entry.
 * <p>
 * Data directory layout: {@code tributary.lock} (held while the node runs: a second node on the same directory is
 * refused), {@code archive/} (the recorded cluster log), {@code cluster/} (recording log, snapshots' index, mark
 * files) and {@code log/} (partition segments).
 * <p>
 * Everything idles with back-off rather than spinning, so three nodes and their clients fit on two cores.
 */
public final class TributaryNode implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(TributaryNode.class.getName());
    /** Aeron takes a killed process's mark files as live for about 10 s; wait a little longer than that. */
    private static final long STALE_MARK_FILE_WAIT_NS = TimeUnit.SECONDS.toNanos(20);

    /**
     * Settings of a node, set fluently, checked by {@link #conclude()}.
     */
    public static final class Context
    {
        private int nodeId = 0;
        private ClusterMembers members = ClusterMembers.parse(ClusterMembers.DEFAULT);
        private Path dataDir = Path.of("tributary-data");
        private String aeronDirectoryName;
        private int fileSyncLevel = 0;
        private long leaderHeartbeatTimeoutNs = TimeUnit.SECONDS.toNanos(3);
        private long leaderHeartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(200);
        private long electionTimeoutNs = TimeUnit.SECONDS.toNanos(1);
        private long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        private long snapshotLogBytes = 256L * 1024 * 1024;
        private long snapshotIntervalNs = TimeUnit.MINUTES.toNanos(10);
        private int archiveSegmentFileLength = 128 * 1024 * 1024;
        private long retentionCheckIntervalMs = 30_000;
        private Path segmentArchiveDir;
        private SecurityConfig security = SecurityConfig.DISABLED;

        /**
         * @param security authentication and authorization; off by default. Must be the same on every node.
         * @return this.
         */
        public Context security(final SecurityConfig security)
        {
            this.security = security;
            return this;
        }

        public SecurityConfig security()
        {
            return security;
        }

        public Context nodeId(final int nodeId)
        {
            this.nodeId = nodeId;
            return this;
        }

        public int nodeId()
        {
            return nodeId;
        }

        public Context members(final ClusterMembers members)
        {
            this.members = members;
            return this;
        }

        public ClusterMembers members()
        {
            return members;
        }

        public Context dataDir(final Path dataDir)
        {
            this.dataDir = dataDir;
            return this;
        }

        public Path dataDir()
        {
            return dataDir;
        }

        /**
         * @param name Aeron directory of the node's media driver; by default one under /dev/shm derived from the
         *             node id and data directory, so nodes never share one.
         * @return this.
         */
        public Context aeronDirectoryName(final String name)
        {
            this.aeronDirectoryName = name;
            return this;
        }

        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /**
         * @param level 0: no fsync (durability comes from the replication quorum, as with Kafka's defaults);
         *              1: fsync data; 2: fsync data and metadata.
         * @return this.
         */
        public Context fileSyncLevel(final int level)
        {
            this.fileSyncLevel = level;
            return this;
        }

        public Context leaderHeartbeatTimeoutNs(final long timeoutNs)
        {
            this.leaderHeartbeatTimeoutNs = timeoutNs;
            return this;
        }

        public Context electionTimeoutNs(final long timeoutNs)
        {
            this.electionTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * @param bytes cluster log growth after which the leader takes a snapshot (and nodes then purge the log
         *              before the snapshot before it).
         * @return this.
         */
        public Context snapshotLogBytes(final long bytes)
        {
            this.snapshotLogBytes = bytes;
            return this;
        }

        /**
         * @param intervalNs time after which the leader takes a snapshot if anything was appended since the last.
         * @return this.
         */
        public Context snapshotIntervalNs(final long intervalNs)
        {
            this.snapshotIntervalNs = intervalNs;
            return this;
        }

        /**
         * @param length bytes of one archive segment file of the cluster log: the unit in which it is purged; at
         *               least the log's 16 MiB term length.
         * @return this.
         */
        public Context archiveSegmentFileLength(final int length)
        {
            this.archiveSegmentFileLength = length;
            return this;
        }

        /**
         * @param intervalMs how often retention (and rolling by {@code segment.ms}) is applied, in cluster time.
         * @return this.
         */
        /**
         * @param dir where topics with {@code remote.storage.enable=true} copy their closed segments before retention
         *            deletes them (another disk or a mounted share; not the Aeron archive); null, the default, for
         *            none: such topics then keep only local data on this node.
         */
        public Context segmentArchiveDir(final Path dir)
        {
            this.segmentArchiveDir = dir;
            return this;
        }

        public Path segmentArchiveDir()
        {
            return segmentArchiveDir;
        }

        public Context retentionCheckIntervalMs(final long intervalMs)
        {
            this.retentionCheckIntervalMs = intervalMs;
            return this;
        }

        public Context conclude()
        {
            if (retentionCheckIntervalMs < 100)
            {
                throw new IllegalArgumentException("retention check interval must be at least 100 ms");
            }
            if (snapshotLogBytes < 1024 * 1024 || snapshotIntervalNs < TimeUnit.SECONDS.toNanos(1))
            {
                throw new IllegalArgumentException("snapshots at least every 1 MiB of log or 1 s apart");
            }
            members.member(nodeId);
            if (fileSyncLevel < 0 || fileSyncLevel > 2)
            {
                throw new IllegalArgumentException("fileSyncLevel must be 0, 1 or 2");
            }
            dataDir = dataDir.toAbsolutePath().normalize();
            if (aeronDirectoryName == null)
            {
                aeronDirectoryName = AeronSettings.aeronDirectoryBase() + "/tributary-" + System.getProperty("user.name") + "-node" + nodeId + "-" +
                    Integer.toHexString(dataDir.toString().hashCode());
            }
            return this;
        }
    }

    private final Context ctx;
    private final FileChannel lockChannel;
    private final PartitionRegistry registry = new PartitionRegistry();
    private final SecurityView securityView;
    private final CountDownLatch terminated = new CountDownLatch(2);
    private MediaDriver mediaDriver;
    private Archive archive;
    private ConsensusModule consensusModule;
    private ClusteredServiceContainer container;
    private Aeron aeron;
    private AgentRunner fetchRunner;
    private AgentRunner maintenanceRunner;
    private AgentRunner repairRunner;
    private final ErrorLog errorLog = new ErrorLog();
    private volatile boolean catchupHintGiven;

    private TributaryNode(final Context ctx)
    {
        this.ctx = ctx;
        this.securityView = new SecurityView(ctx.security);
        this.lockChannel = lockDataDir(ctx.dataDir);
    }

    /**
     * Start a node and return once its parts are running (an election may still be under way).
     *
     * @param ctx settings.
     * @return the running node.
     * @throws IllegalStateException when the data directory is in use by another node.
     */
    public static TributaryNode launch(final Context ctx)
    {
        ctx.conclude();
        final long deadlineNs = System.nanoTime() + STALE_MARK_FILE_WAIT_NS;
        boolean told = false;
        while (true)
        {
            final TributaryNode node = new TributaryNode(ctx);
            try
            {
                node.start();
                return node;
            }
            catch (final RuntimeException ex)
            {
                node.close();
                // The data directory's lock is ours, so no live process owns these mark files: a node killed a
                // moment ago left them, and Aeron accepts them once they are ~10 s old.
                if (!isActiveMarkFile(ex) || System.nanoTime() - deadlineNs > 0)
                {
                    throw ex;
                }
                if (!told)
                {
                    told = true;
                    LOG.log(System.Logger.Level.INFO, "node {0}: waiting for the mark files of a node process that " +
                        "ended without closing (killed?) on {1} to go stale, up to {2} s", ctx.nodeId, ctx.dataDir,
                        TimeUnit.NANOSECONDS.toSeconds(STALE_MARK_FILE_WAIT_NS));
                }
                sleepQuietly(500);
            }
        }
    }

    private static boolean isActiveMarkFile(final Throwable ex)
    {
        for (Throwable cause = ex; cause != null; cause = cause.getCause())
        {
            final String message = cause.getMessage();
            if (cause instanceof ActiveDriverException ||
                message != null && message.toLowerCase(Locale.ROOT).contains("active mark file detected"))
            {
                return true;
            }
        }
        return false;
    }

    private static void sleepQuietly(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to start", ex);
        }
    }

    private Archive.Context archiveContext(final ClusterMembers.Member self)
    {
        return new Archive.Context()
            .aeronDirectoryName(ctx.aeronDirectoryName)
            .archiveDir(ctx.dataDir.resolve("archive").toFile())
            .controlChannel("aeron:udp?endpoint=" + self.endpoint(ClusterMembers.ARCHIVE_CONTROL_PORT_OFFSET))
            .archiveClientContext(
                new AeronArchive.Context().controlResponseChannel("aeron:udp?endpoint=" + self.host() + ":0"))
            .localControlChannel("aeron:ipc?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=" + self.host() + ":0")
            .recordingEventsEnabled(false)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(AeronSettings::idle)
            .fileSyncLevel(ctx.fileSyncLevel)
            .catalogFileSyncLevel(ctx.fileSyncLevel)
            .deleteArchiveOnStart(false)
            .segmentFileLength(ctx.archiveSegmentFileLength)
            .errorHandler(this::onError);
    }

    private Archive launchArchive(final Archive.Context archiveCtx, final MediaDriver.Context driverCtx)
    {
        return Archive.launch(archiveCtx
            .mediaDriverAgentInvoker(mediaDriver.sharedAgentInvoker())
            .aeronDirectoryName(mediaDriver.aeronDirectoryName())
            .errorCounter(new AtomicCounter(driverCtx.countersValuesBuffer(), SystemCounterDescriptor.ERRORS.id())));
    }

    private void start()
    {
        final ClusterMembers.Member self = ctx.members.member(ctx.nodeId);
        final String host = self.host();
        final String aeronDir = ctx.aeronDirectoryName;
        final Path dataDir = ctx.dataDir;

        final MediaDriver.Context driverCtx = AeronSettings.mediaDriverContext(aeronDir)
            .errorHandler(this::onError);

        final Archive.Context archiveCtx = archiveContext(self);

        final AeronArchive.Context archiveClientCtx = new AeronArchive.Context()
            .lock(NoOpLock.INSTANCE)
            .controlRequestChannel(archiveCtx.localControlChannel())
            .controlResponseChannel(archiveCtx.localControlChannel())
            .aeronDirectoryName(aeronDir);

        final File clusterDir = dataDir.resolve("cluster").toFile();
        final ConsensusModule.Context consensusCtx = new ConsensusModule.Context()
            .clusterMemberId(ctx.nodeId)
            .clusterMembers(ctx.members.consensusMembers())
            .clusterDir(clusterDir)
            .ingressChannel("aeron:udp?term-length=16m|sparse=true")
            .logChannel("aeron:udp?term-length=16m|sparse=true" + AeronSettings.mtuParam(host))
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveContext(archiveClientCtx.clone())
            .idleStrategySupplier(AeronSettings::idle)
            .leaderHeartbeatTimeoutNs(ctx.leaderHeartbeatTimeoutNs)
            .leaderHeartbeatIntervalNs(ctx.leaderHeartbeatIntervalNs)
            .electionTimeoutNs(ctx.electionTimeoutNs)
            .sessionTimeoutNs(ctx.sessionTimeoutNs)
            .fileSyncLevel(ctx.fileSyncLevel)
            .isIpcIngressAllowed(true)
            .authenticatorSupplier(() -> new ScramAuthenticator(securityView))
            .errorHandler(this::onError)
            .terminationHook(terminated::countDown);

        final ClusteredServiceContainer.Context serviceCtx = new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .archiveContext(archiveClientCtx.clone())
            .clusterDir(clusterDir)
            .clusteredService(new PartitionLogService(
                ctx.nodeId, dataDir.resolve("log"), registry, ctx.retentionCheckIntervalMs,
                null == ctx.segmentArchiveDir ? null : ctx.segmentArchiveDir.toAbsolutePath().normalize(),
                securityView))
            .idleStrategySupplier(AeronSettings::idle)
            .errorHandler(this::onError)
            .terminationHook(terminated::countDown);

        // Media driver and archive first, as ClusteredMediaDriver launches them, so that a node with an empty data
        // directory can be rebuilt from its peers into its own archive before its consensus module starts.
        mediaDriver = MediaDriver.launch(driverCtx);
        archive = launchArchive(archiveCtx, driverCtx);
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir).errorHandler(this::onError));
        if (NodeRebuild.isIncomplete(dataDir) || NodeRebuild.isBehindPeers(ctx, aeron, archiveClientCtx))
        {
            // A rebuild cut short, or a log that ends before what its peers still hold (it can never catch up):
            // start over empty.
            archive.close();
            archive = null;
            NodeRebuild.discardClusterState(dataDir);
            archive = launchArchive(archiveContext(self), driverCtx);
        }
        NodeRebuild.rebuildIfNeeded(ctx, aeron, archiveClientCtx, this::onError);
        consensusModule = ConsensusModule.launch(consensusCtx.aeronDirectoryName(aeronDir));
        container = ClusteredServiceContainer.launch(serviceCtx);

        final FetchServer fetchServer = new FetchServer(
            aeron, self.endpoint(ClusterMembers.FETCH_PORT_OFFSET), ctx.nodeId, registry, securityView);
        fetchRunner = new AgentRunner(AeronSettings.idle(), this::onError, null, fetchServer);
        AgentRunner.startOnThread(fetchRunner);

        final ClusterMaintenance maintenance = new ClusterMaintenance(aeron, registry, clusterDir,
            archiveClientCtx.clone(), ctx.snapshotLogBytes, ctx.snapshotIntervalNs);
        maintenanceRunner = new AgentRunner(
            new SleepingMillisIdleStrategy(50), this::onError, null, maintenance);
        AgentRunner.startOnThread(maintenanceRunner);
        repairRunner = new AgentRunner(new SleepingMillisIdleStrategy(50), this::onError, null,
            new SegmentRepair(aeron, ctx.members, ctx.nodeId, registry, ctx.security.nodeCredentials()));
        AgentRunner.startOnThread(repairRunner);
        LOG.log(System.Logger.Level.INFO, "node {0} running: members {1}, data {2}",
            ctx.nodeId, ctx.members, dataDir);
    }

    /**
     * @return the node's settings.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * @return the partition logs and role this node publishes.
     */
    public PartitionRegistry registry()
    {
        return registry;
    }

    /**
     * @return users and ACLs as this node sees them, and its authentication and authorization failure counts.
     */
    public SecurityView security()
    {
        return securityView;
    }

    /**
     * Ask the consensus module to take a snapshot; the cluster takes it at one log position on every node.
     *
     * @return true when the request was accepted.
     */
    public boolean requestSnapshot()
    {
        return toggle(ClusterControl.ToggleState.SNAPSHOT);
    }

    /**
     * Stop the node. A single-node cluster first takes a snapshot and shuts down in order, so a restart need not
     * replay its log; a member of a larger cluster just leaves, and the others carry on.
     */
    public void close()
    {
        CloseHelper.quietClose(maintenanceRunner);
        maintenanceRunner = null;
        if (container != null && ctx.members.size() == 1 && toggle(ClusterControl.ToggleState.SHUTDOWN))
        {
            try
            {
                if (!terminated.await(20, TimeUnit.SECONDS))
                {
                    System.err.println("node " + ctx.nodeId + ": orderly shutdown timed out; closing anyway");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        CloseHelper.closeAll(
            maintenanceRunner, repairRunner, fetchRunner, aeron, container, consensusModule, archive, mediaDriver);
        maintenanceRunner = null;
        repairRunner = null;
        fetchRunner = null;
        aeron = null;
        container = null;
        consensusModule = null;
        archive = null;
        mediaDriver = null;
        CloseHelper.quietClose(lockChannel);
    }

    private boolean toggle(final ClusterControl.ToggleState state)
    {
        if (aeron == null)
        {
            return false;
        }
        final AtomicCounter toggle = ClusterControl.findControlToggle(aeron.countersReader(), 0);
        if (toggle == null)
        {
            return false;
        }
        try
        {
            return state.toggle(toggle);
        }
        finally
        {
            toggle.disconnectCountersManager();
            toggle.close();
        }
    }

    private void onError(final Throwable ex)
    {
        if (ex instanceof ClusterTerminationException termination && termination.isExpected())
        {
            return;
        }
        if (ex instanceof PartitionLogService.PartitionLogFailure)
        {
            // The partition store can no longer follow the log: stop rather than serve diverged data.
            LOG.log(System.Logger.Level.ERROR, "node " + ctx.nodeId + " stopping: " + ex.getMessage(), ex);
            Runtime.getRuntime().halt(70);
        }
        if (String.valueOf(ex.getMessage()).contains("failed to join catchup log") && !catchupHintGiven)
        {
            catchupHintGiven = true;
            LOG.log(System.Logger.Level.ERROR, "node " + ctx.nodeId + " cannot catch up with the cluster: the log " +
                "it needs may have been purged by its peers after their snapshots. Stop this node and empty its data " +
                "directory: it then rebuilds itself from its peers' snapshot, log and segments when it starts.");
        }
        errorLog.log(ex);
    }

    /**
     * Logs errors, but each distinct error at most once per 30 s with a count of the repeats in between: a node in
     * a retry loop must not fill its disk with the same stack trace.
     */
    private final class ErrorLog
    {
        private static final long QUIET_NS = 30_000_000_000L;
        private final java.util.Map<String, long[]> lastByKey = new java.util.HashMap<>();

        synchronized void log(final Throwable ex)
        {
            final String key = ex.getClass().getName() + ": " + ex.getMessage();
            final long now = System.nanoTime();
            final long[] last = lastByKey.get(key);
            if (last != null && now - last[0] < QUIET_NS)
            {
                last[1]++;
                return;
            }
            final long repeats = last == null ? 0 : last[1];
            lastByKey.put(key, new long[] {now, 0});
            if (lastByKey.size() > 1000)
            {
                lastByKey.clear();
            }
            LOG.log(System.Logger.Level.WARNING, "node " + ctx.nodeId + ": " + ex +
                (repeats > 0 ? " (repeated " + repeats + " times in the last 30 s)" : ""), ex);
        }
    }

    private static FileChannel lockDataDir(final Path dataDir)
    {
        try
        {
            Files.createDirectories(dataDir);
            final FileChannel channel = FileChannel.open(
                dataDir.resolve("tributary.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = null;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ignore)
            {
                // held by this JVM
            }
            if (lock == null)
            {
                channel.close();
                throw new IllegalStateException("data directory " + dataDir +
                    " is in use by another running server (tributary.lock is held)");
            }
            return channel;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot lock data directory " + dataDir, ex);
        }
    }

    /**
     * Run a node in the foreground until SIGTERM or SIGINT: {@code --node-id N --members LIST --data-dir DIR}.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        runUntilSignalled(contextFromArgs(args), () -> { });
    }

    /**
     * @param args {@link #main}'s command line.
     * @return the settings it names, for programs that run a node beside something else in one JVM.
     * @throws IllegalArgumentException for an unknown argument.
     */
    public static Context contextFromArgs(final String[] args)
    {
        final Context ctx = new Context();
        boolean auth = false;
        Set<String> superUsers = Set.of();
        Path adminCredentialsFile = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--node-id" -> ctx.nodeId(Integer.parseInt(args[++i]));
                case "--members" -> ctx.members(ClusterMembers.parse(args[++i]));
                case "--data-dir" -> ctx.dataDir(Path.of(args[++i]));
                case "--aeron-dir" -> ctx.aeronDirectoryName(args[++i]);
                case "--snapshot-log-bytes" -> ctx.snapshotLogBytes(Long.parseLong(args[++i]));
                case "--retention-check-interval-ms" -> ctx.retentionCheckIntervalMs(Long.parseLong(args[++i]));
                case "--archive-dir" -> ctx.segmentArchiveDir(Path.of(args[++i]));
                case "--archive-segment-file-length" -> ctx.archiveSegmentFileLength(Integer.parseInt(args[++i]));
                case "--auth" -> auth = true;
                case "--super-users" -> superUsers = Set.of(args[++i].split(","));
                case "--admin-credentials-file" -> adminCredentialsFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        return ctx.security(securityConfig(auth, superUsers, adminCredentialsFile, System.getenv()));
    }

    /**
     * Security settings from a node's command line and environment. The bootstrap admin's credential comes from a
     * file only its owner can read, or from TRIBUTARY_ADMIN_USERNAME and TRIBUTARY_ADMIN_PASSWORD; it is hashed here
     * (SCRAM) and the password is not kept. The admin is a super user.
     *
     * @param enabled     authentication and authorization on.
     * @param superUsers  principals allowed everything.
     * @param adminFile   the bootstrap admin's credentials file, or null.
     * @param environment the process environment.
     * @return the settings.
     */
    public static SecurityConfig securityConfig(
        final boolean enabled, final Set<String> superUsers, final Path adminFile,
        final Map<String, String> environment)
    {
        Credentials admin = adminFile != null ? Credentials.fromFile(adminFile) : null;
        if (admin == null && environment.get("TRIBUTARY_ADMIN_USERNAME") != null)
        {
            admin = Credentials.fromEnvironment(Map.of(
                Credentials.USERNAME_ENV, environment.get("TRIBUTARY_ADMIN_USERNAME"),
                Credentials.PASSWORD_ENV, environment.getOrDefault("TRIBUTARY_ADMIN_PASSWORD", "")));
        }
        final Map<String, ScramCredential> staticUsers = new HashMap<>();
        final java.util.TreeSet<String> supers = new java.util.TreeSet<>(superUsers);
        if (admin != null)
        {
            final char[] password = admin.password();
            staticUsers.put(admin.username(), Scram.credential(password, Scram.DEFAULT_ITERATIONS));
            Arrays.fill(password, '\0');
            supers.add(admin.username());
        }
        // The admin's password stays in memory for one use: proving this node to its peers when it copies segments.
        return new SecurityConfig(enabled, supers, staticUsers, admin);
    }

    /**
     * Launch a node, wait for SIGTERM/SIGINT, and close it.
     *
     * @param ctx     settings.
     * @param onReady run once the node is up.
     */
    public static void runUntilSignalled(final Context ctx, final Runnable onReady)
    {
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier(); TributaryNode node = launch(ctx))
        {
            onReady.run();
            barrier.await();
            // java.util.logging is already shut down by now: speak directly.
            System.err.println("node " + node.ctx.nodeId + " stopping");
        }
        System.err.println("node " + ctx.nodeId + " stopped");
    }
}
