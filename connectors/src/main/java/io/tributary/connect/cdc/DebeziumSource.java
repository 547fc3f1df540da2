package io.tributary.connect.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.Settings;
import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.TributaryException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A change-data-capture source running a Debezium connector in Debezium Embedded. Exactly once into the log:
 * <ol>
 *     <li>the engine starts from the offsets stored in {@code __connector_offsets} ({@link LogOffsetStore}) and, for
 *     a binlog connector, the schema history in {@value LogSchemaHistory#TOPIC} ({@link LogSchemaHistory}), whose
 *     entries are appended before any change after them;</li>
 *     <li>each change event becomes a record carrying, as its position, Debezium's offsets after it
 *     ({@link DebeziumOffsets}); the runtime appends records and position in one atomic append;</li>
 *     <li>only once the cluster acknowledged them are the events marked processed, so Debezium's own offset commit
 *     (for PostgreSQL, the replication slot's confirmed flush LSN) never passes a change the log does not hold.</li>
 * </ol>
 * A crash anywhere restarts from the stored position: changes appended are not repeated (Debezium skips what the
 * offsets say it already emitted), changes not appended are read again from the slot or binlog.
 * <p>
 * Threading: the engine runs on a thread of its own and hands each batch to {@link #handleBatch}, which queues the
 * records and waits until the runner thread has {@link #acknowledge acknowledged} all of them; the runner thread
 * calls {@link #start}, {@link #poll}, {@link #acknowledge} and {@link #close}.
 */
public final class DebeziumSource implements SourceConnector,
    DebeziumEngine.ChangeConsumer<RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord>>
{
    private static final System.Logger LOG = System.getLogger(DebeziumSource.class.getName());

    /** The check run before the engine starts, to fail with a clear message (e.g. wal_level). */
    @FunctionalInterface
    interface Preflight
    {
        void check() throws Exception;
    }

    private final Settings settings;
    private final Function<String, Properties> connector;
    private final Preflight preflight;
    private final ChangeEvents events;
    private final int partitions;
    private final BlockingQueue<SourceRecord> queue = new ArrayBlockingQueue<>(16_384);
    private final Deque<Batch> unacknowledged = new ArrayDeque<>();
    private final Set<String> topics = new HashSet<>();
    private volatile boolean closing;
    private volatile Throwable failure;
    private DebeziumOffsets offsets;
    private Admin admin;
    private ExecutorService executor;
    private DebeziumEngine<RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord>> engine;

    /**
     * @param settings  the connector's settings: {@link CdcSettings}' common ones, {@code unwrap}, {@code partitions}
     *                  and the {@code debezium} pass-through map, which goes over everything else.
     * @param connector the Debezium properties of this kind of connector, for a connector of the given name.
     * @param preflight checks the database before the engine starts.
     */
    DebeziumSource(final Settings settings, final Function<String, Properties> connector, final Preflight preflight)
    {
        this.settings = settings;
        this.connector = connector;
        this.preflight = preflight;
        this.events = new ChangeEvents(settings.bool("unwrap"));
        this.partitions = settings.integer("partitions");
    }

    public void start(final ConnectorContext context, final String position) throws Exception
    {
        preflight.check();
        offsets = DebeziumOffsets.parse(position);
        admin = Admin.create(context.cluster());
        final Properties properties = CdcSettings.common(settings, context.name());
        properties.putAll(connector.apply(context.name()));
        properties.putAll(settings.map("debezium"));
        properties.setProperty("name", context.name());
        properties.setProperty("offset.storage", LogOffsetStore.class.getName());
        properties.setProperty(LogOffsetStore.POSITION, position == null ? "" : position);
        if (LogSchemaHistory.class.getName().equals(properties.getProperty("schema.history.internal")))
        {
            properties.setProperty(LogSchemaHistory.CLUSTER, context.cluster());
            properties.setProperty(LogSchemaHistory.CONNECTOR, context.name());
        }
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(properties)
            .using(DebeziumSource.class.getClassLoader())
            .notifying(this)
            .using((success, message, error) ->
            {
                if (!success && !closing)
                {
                    failure = error != null ? error : new IllegalStateException(message);
                }
                else if (!closing)
                {
                    failure = new IllegalStateException("Debezium stopped: " + message);
                }
            })
            .build();
        executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "cdc-" + context.name()));
        executor.execute(engine);
    }

    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws Exception
    {
        final Throwable failed = failure;
        if (failed != null)
        {
            throw new IllegalStateException("change data capture stopped: " + failed.getMessage(), failed);
        }
        final List<SourceRecord> records = new ArrayList<>();
        final SourceRecord first = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (first != null)
        {
            records.add(first);
            queue.drainTo(records, maxRecords - 1);
        }
        return records;
    }

    public void acknowledge(final List<SourceRecord> records)
    {
        int count = records.size();
        synchronized (unacknowledged)
        {
            while (count > 0 && !unacknowledged.isEmpty())
            {
                final Batch head = unacknowledged.peek();
                final int taken = Math.min(count, head.remaining);
                head.remaining -= taken;
                count -= taken;
                if (head.remaining == 0)
                {
                    unacknowledged.poll();
                }
            }
            unacknowledged.notifyAll();
        }
    }

    /**
     * On the engine's thread: queue the batch's records and return once all were appended and acknowledged, then
     * let Debezium commit them.
     */
    public void handleBatch(final List<RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord>> batch,
        final DebeziumEngine.RecordCommitter<RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord>> committer)
        throws InterruptedException
    {
        final List<SourceRecord> records = new ArrayList<>(batch.size());
        for (final RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord> event : batch)
        {
            final org.apache.kafka.connect.source.SourceRecord change = event.record();
            offsets.put(change.sourcePartition(), change.sourceOffset());
            final SourceRecord record = events.convert(change, offsets.position());
            if (record != null)
            {
                if (record.topic() != null)
                {
                    ensureTopic(record.topic());
                }
                records.add(record);
            }
        }
        if (!records.isEmpty())
        {
            final Batch pending = new Batch(records.size());
            synchronized (unacknowledged)
            {
                unacknowledged.add(pending);
            }
            for (final SourceRecord record : records)
            {
                while (!queue.offer(record, 100, TimeUnit.MILLISECONDS))
                {
                    stopIfClosing();
                }
            }
            synchronized (unacknowledged)
            {
                while (pending.remaining > 0)
                {
                    stopIfClosing();
                    unacknowledged.wait(100);
                }
            }
        }
        for (final RecordChangeEvent<org.apache.kafka.connect.source.SourceRecord> event : batch)
        {
            committer.markProcessed(event);
        }
        committer.markBatchFinished();
    }

    public boolean supportsTombstoneEvents()
    {
        return true;
    }

    public void close()
    {
        closing = true;
        if (engine != null && failure == null)
        {
            try
            {
                engine.close();
            }
            catch (final Exception ex)
            {
                LOG.log(System.Logger.Level.WARNING, "closing Debezium failed: " + ex);
            }
        }
        if (executor != null)
        {
            executor.shutdown();
            try
            {
                if (!executor.awaitTermination(60, TimeUnit.SECONDS))
                {
                    executor.shutdownNow();
                }
            }
            catch (final InterruptedException ex)
            {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (admin != null)
        {
            admin.close();
        }
    }

    private void stopIfClosing() throws InterruptedException
    {
        if (closing)
        {
            throw new InterruptedException("the connector is closing: the batch is not committed");
        }
    }

    private void ensureTopic(final String topic)
    {
        if (topics.contains(topic))
        {
            return;
        }
        if (!admin.listTopics().contains(topic))
        {
            try
            {
                admin.createTopic(new NewTopic(topic, partitions, Map.of("cleanup.policy", "compact")));
            }
            catch (final TributaryException ex)
            {
                if (ex.errorCode() != ErrorCode.TOPIC_ALREADY_EXISTS)
                {
                    throw ex;
                }
            }
        }
        topics.add(topic);
    }

    /** Records of one engine batch not yet acknowledged; guarded by {@code unacknowledged}. */
    private static final class Batch
    {
        int remaining;

        Batch(final int remaining)
        {
            this.remaining = remaining;
        }
    }
}
