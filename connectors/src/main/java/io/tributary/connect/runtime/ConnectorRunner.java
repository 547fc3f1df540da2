package io.tributary.connect.runtime;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.spec.Secrets;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.Deserializer;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one connector against a cluster on a thread of its own: creates the topics it writes to when missing, then
 * loops a {@link SourceTask} or {@link SinkTask} until {@link #stop}. A sink delivers and commits what it holds
 * before it stops; a source stops between batches.
 * <p>
 * With {@link #withLease}, a source first takes its {@link SourceLease} (waiting while another runner of the same
 * connector holds it), then reads its position, and fences every append by the lease: of several runners of one
 * source, only the lease holder writes, and one that lost the lease fails at its next append.
 * <p>
 * Thread-safe: {@link #start}, {@link #stop}, {@link #status} and {@link #await} may be called from any thread.
 */
public final class ConnectorRunner implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(ConnectorRunner.class.getName());

    private final ConnectorConfig config;
    private final ConnectorTypes types;
    private final ConnectorContext context;
    private final ConnectorStatus status;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile String leaseHolder;
    private volatile boolean awaitingLease;
    private volatile String sinkMember;
    private Duration leaseSession;
    private Thread thread;

    public ConnectorRunner(final ConnectorConfig config, final ConnectorTypes types, final ConnectorContext context)
    {
        this.config = config;
        this.status = new ConnectorStatus(Secrets.of(config.settings()));
        this.types = types;
        this.context = context;
    }

    /**
     * Run a source only while holding its {@link SourceLease}, whose session lasts {@code sessionTimeout} without a
     * heartbeat. Call before {@link #start}; no effect on a sink (a sink's consumer group already fences its commits).
     *
     * @return this.
     */
    public synchronized ConnectorRunner withLease(final Duration sessionTimeout)
    {
        this.leaseSession = sessionTimeout;
        return this;
    }

    /**
     * @return the member id holding the source's lease while this runner holds it, else null.
     */
    public String leaseHolder()
    {
        return leaseHolder;
    }

    /**
     * @return true while the source waits for its lease (another runner of it holds it).
     */
    public boolean awaitingLease()
    {
        return awaitingLease;
    }

    /**
     * @return a running sink's member id in its consumer group (whose description says which partitions it holds),
     *         else null.
     */
    public String sinkMember()
    {
        return sinkMember;
    }

    public synchronized ConnectorRunner start()
    {
        if (thread == null)
        {
            thread = new Thread(this::run, "connector-" + config.name());
            thread.start();
        }
        return this;
    }

    public ConnectorStatus status()
    {
        return status;
    }

    public ConnectorConfig config()
    {
        return config;
    }

    /**
     * Wait until the connector has started (topics created, position read, connector started).
     *
     * @return false when it failed or timed out first.
     */
    public boolean awaitStarted(final Duration timeout) throws InterruptedException
    {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && status.state() != ConnectorStatus.State.FAILED;
    }

    /**
     * @return completed when the connector stopped: normally, or exceptionally with what stopped it.
     */
    public CompletableFuture<Void> done()
    {
        return done;
    }

    /**
     * Ask the connector to stop and wait up to {@code timeout} for it.
     */
    public void stop(final Duration timeout)
    {
        running = false;
        final Thread t = thread;
        if (t != null)
        {
            try
            {
                t.join(timeout.toMillis());
                if (t.isAlive())
                {
                    t.interrupt();
                    t.join(5000);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void close()
    {
        stop(Duration.ofSeconds(30));
    }

    private void run()
    {
        try
        {
            if (config.kind() == ConnectorConfig.Kind.SOURCE)
            {
                runSource();
            }
            else
            {
                runSink();
            }
            status.state(ConnectorStatus.State.STOPPED);
            done.complete(null);
        }
        catch (final Throwable ex)
        {
            LOG.log(System.Logger.Level.ERROR, "connector " + config.name() + " failed", status.secrets().redact(ex));
            status.failed(ex.toString());
            done.completeExceptionally(ex);
        }
        finally
        {
            started.countDown();
        }
    }

    private void runSource() throws Exception
    {
        try (Admin admin = Admin.create(context.cluster()))
        {
            SourcePositions.ensureTopic(admin);
            if (config.to().topic() != null)
            {
                Topics.ensure(admin, new NewTopic(config.to().topic(), config.to().partitions()));
            }
            Topics.ensure(admin, new NewTopic(config.deadLetter().topic(), 1));
        }
        awaitingLease = leaseSession != null;
        final SourceLease lease;
        try
        {
            lease = leaseSession == null ? null :
                SourceLease.acquire(context.cluster(), config.name(), leaseSession, () -> running);
        }
        finally
        {
            awaitingLease = false;
        }
        if (leaseSession != null && lease == null)
        {
            return;   // stopped while waiting for the lease
        }
        try (lease)
        {
            if (lease != null)
            {
                leaseHolder = lease.holder();
                LOG.log(System.Logger.Level.INFO, "connector " + config.name() + " holds its lease as member " +
                    lease.holder());
            }
            runSource(lease);
        }
        finally
        {
            leaseHolder = null;
        }
    }

    private void runSource(final SourceLease lease) throws Exception
    {
        final String position = new SourcePositions(context.cluster()).read(config.name());
        final SourceConnector source = types.sources().get(config.type()).create(config.settings());
        final ProducerConfig producerConfig = ProducerConfig.builder().cluster(context.cluster())
            .linger(Duration.ofMillis(1)).build();
        try (Producer<byte[], byte[]> producer = Producer.create(producerConfig, Serializer.bytes(),
            Serializer.bytes()))
        {
            source.start(context, position);
            try
            {
                final SourceTask task = new SourceTask(config.name(), source,
                    new TransactionAppender(producer, Duration.ofSeconds(30), lease), config.to(), config.batching(),
                    config.retry(), config.deadLetter().topic(), status, Sleeper.REAL);
                status.state(ConnectorStatus.State.RUNNING);
                started.countDown();
                while (running)
                {
                    task.runOnce();
                }
            }
            finally
            {
                source.close();
            }
        }
    }

    private void runSink() throws Exception
    {
        try (Admin admin = Admin.create(context.cluster()))
        {
            Topics.ensure(admin, new NewTopic(config.deadLetter().topic(), 1));
        }
        final SinkConnector sink = types.sinks().get(config.type()).create(config.settings());
        final ConsumerConfig consumerConfig = ConsumerConfig.builder().cluster(context.cluster())
            .groupId(config.from().group()).enableAutoCommit(false)
            .autoOffsetReset(config.from().earliest() ? ConsumerConfig.OffsetReset.EARLIEST :
                ConsumerConfig.OffsetReset.LATEST)
            .build();
        final ProducerConfig producerConfig = ProducerConfig.builder().cluster(context.cluster()).build();
        try (Producer<byte[], byte[]> dlq = Producer.create(producerConfig, Serializer.bytes(), Serializer.bytes());
            Consumer<byte[], byte[]> consumer = Consumer.create(consumerConfig, Deserializer.bytes(),
                Deserializer.bytes()))
        {
            sink.start(context);
            try
            {
                final SinkDelivery delivery = new SinkDelivery(config.name(), sink, config.retry(),
                    config.deadLetter().topic(), records -> write(dlq, records), status, Sleeper.REAL);
                final SinkTask task = new SinkTask(consumer, delivery, config.from(), config.batching());
                status.state(ConnectorStatus.State.RUNNING);
                started.countDown();
                while (running)
                {
                    task.runOnce();
                    sinkMember = consumer.memberId();
                }
                task.flush();
            }
            finally
            {
                sink.close();
            }
        }
    }

    private static void write(final Producer<byte[], byte[]> producer,
        final List<ProducerRecord<byte[], byte[]>> records) throws Exception
    {
        final List<CompletableFuture<?>> futures = new ArrayList<>();
        for (final ProducerRecord<byte[], byte[]> record : records)
        {
            futures.add(producer.send(record));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
}
