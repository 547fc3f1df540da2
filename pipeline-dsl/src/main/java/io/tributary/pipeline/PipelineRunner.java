package io.tributary.pipeline;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRebalanceListener;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.RecordMetadata;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.log.Transaction;
import io.tributary.log.TributaryException;
import io.tributary.pipeline.internal.Checkpoint;
import io.tributary.pipeline.internal.GraphTopology;
import io.tributary.pipeline.internal.InMemoryBackend;
import io.tributary.pipeline.internal.KeyValueStore;
import io.tributary.pipeline.internal.RocksDbBackend;
import io.tributary.pipeline.internal.StateRestorer;
import io.tributary.pipeline.internal.StoreBackend;
import io.tributary.pipeline.internal.StreamTask;
import io.tributary.pipeline.internal.TopicSetup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs a pipeline against a cluster, in the calling thread, until {@link #close()}.
 * <p>
 * The runner joins the consumer group named after the pipeline, so parallel runners of the same pipeline share its
 * input partitions. It keeps one {@link StreamTask} per input partition number it holds, restoring the task's state
 * from partition {@code p} of the changelog topics first. Every {@code commitInterval}, or sooner when
 * {@code maxCheckpointBytes} of outputs and state changes are pending, it appends one checkpoint as a single
 * {@link Transaction}: the tasks' outputs, their state changes and the next input offsets, fenced by the group
 * member's generation. A crash loses at most the uncommitted checkpoints, and a restarted runner resumes exactly from
 * the last one, so outputs are neither lost nor duplicated. The runner goes on processing while a checkpoint is on
 * its way, but appends the next only once that one is acknowledged: at most one is in flight, so they commit in
 * order, and a refused one stops everything after it. When the group takes partitions away the runner
 * checkpoints first; when it loses them (a missed session) or a checkpoint is refused, the runner drops its
 * uncommitted work and state and rejoins, restoring from the changelogs.
 * <p>
 * Partitions of different input topics with the same number belong to one task: the input topics must be
 * co-partitioned (same partition count, keys partitioned the same way), as with Kafka Streams.
 * A task takes the records of its partitions in timestamp order, waiting for a partition that is behind, so a
 * stream-table join sees the table rows written before each stream record.
 * <p>
 * Threading: {@link #run()} owns everything on the calling thread; {@link #close()}, {@link #processedRecords()},
 * {@link #checkpoints()} and {@link #partitions()} may be called from any thread.
 */
public final class PipelineRunner implements AutoCloseable
{
    private static final System.Logger LOGGER = System.getLogger(PipelineRunner.class.getName());
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_BUFFERED_PER_PARTITION = 10_000;

    private final GraphTopology topology;
    private final RunnerConfig config;
    private final Set<String> repartitionTopics;
    private final Map<String, String> changelogs;
    private final TreeMap<Integer, StreamTask> tasks = new TreeMap<>();
    /** Records polled and not processed yet, per input partition: a task takes them in timestamp order. */
    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> buffered = new HashMap<>();
    private final Checkpoint checkpoint = new Checkpoint();
    /** The checkpoint appended and not acknowledged yet, or null. */
    private CompletableFuture<List<RecordMetadata>> inFlight;
    private volatile boolean running = true;
    private volatile long processed;
    private volatile long checkpoints;
    private volatile Set<Integer> heldPartitions = Set.of();
    private Consumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;
    private StateRestorer restorer;
    private boolean lost;
    private boolean failed;

    private PipelineRunner(final GraphTopology topology, final RunnerConfig config)
    {
        this.topology = topology;
        this.config = config;
        this.repartitionTopics = topology.repartitionTopics();
        this.changelogs = topology.changelogTopics();
    }

    /**
     * @param topology a topology built by {@link Pipeline#build()}.
     * @param config   where and how to run it.
     * @return a runner; call {@link #run()}.
     */
    public static PipelineRunner create(final Topology topology, final RunnerConfig config)
    {
        return new PipelineRunner((GraphTopology)topology, config);
    }

    /**
     * Create the internal topics if missing, then process until {@link #close()} is called.
     *
     * @throws TributaryException when the pipeline cannot run (a source topic is missing, the cluster refuses).
     * @throws RuntimeException   what user code in the pipeline threw; the uncommitted checkpoint is dropped.
     */
    public void run()
    {
        try (Admin admin = Admin.create(config.cluster()))
        {
            final int partitions = TopicSetup.ensure(admin, topology);
            LOGGER.log(System.Logger.Level.INFO, "pipeline " + topology.name() + ": " + partitions + " tasks over "
                + topology.inputTopics());
            restorer = new StateRestorer(config.cluster(), admin, Duration.ofMinutes(5));
            producer = Producer.create(ProducerConfig.builder().cluster(config.cluster()).idempotence(true)
                .linger(Duration.ZERO).build(), Serializer.bytes(), Serializer.bytes());
            while (running)
            {
                try
                {
                    session();
                }
                catch (final TributaryException ex)
                {
                    if (!running || !(ex.errorCode() == ErrorCode.FENCED_MEMBER || ex.errorCode() == ErrorCode.UNKNOWN_MEMBER || ex.errorCode().isRetriable()))
                    {
                        throw ex;
                    }
                    LOGGER.log(System.Logger.Level.WARNING, "pipeline " + topology.name()
                        + ": dropping uncommitted work and rejoining: " + ex.getMessage());
                }
            }
        }
        finally
        {
            if (producer != null)
            {
                producer.close();
            }
        }
    }

    /**
     * Ask {@link #run()} to checkpoint and return. Thread-safe; does not wait.
     */
    public void close()
    {
        running = false;
    }

    /**
     * @return input records processed so far, including ones whose checkpoint was later dropped.
     */
    public long processedRecords()
    {
        return processed;
    }

    /**
     * @return checkpoints committed so far.
     */
    public long checkpoints()
    {
        return checkpoints;
    }

    /**
     * @return the input partition numbers (tasks) this runner holds now, restored and positioned (a partition never
     * committed at its {@link StartAt}); empty between group sessions.
     */
    public Set<Integer> partitions()
    {
        return heldPartitions;
    }

    private void session()
    {
        lost = false;
        failed = false;
        final ConsumerConfig consumerConfig = ConsumerConfig.builder().cluster(config.cluster())
            .groupId(topology.name()).enableAutoCommit(false)
            .partitionAssignment(ConsumerConfig.PartitionAssignment.CO_PARTITIONED)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build();
        consumer = Consumer.create(consumerConfig, Deserializer.bytes(), Deserializer.bytes());
        try
        {
            consumer.subscribe(topology.inputTopics(), new Rebalance());
            long nextCommit = System.currentTimeMillis() + config.commitInterval().toMillis();
            while (running && !lost)
            {
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL))
                {
                    if (tasks.containsKey(record.partition()))
                    {
                        buffered.computeIfAbsent(record.topicPartition(), tp -> new ArrayDeque<>()).add(record);
                    }
                }
                for (final Map.Entry<Integer, StreamTask> task : tasks.entrySet())
                {
                    if (!lost)
                    {
                        processInTimestampOrder(task.getKey(), task.getValue());
                    }
                }
                final long now = System.currentTimeMillis();
                for (final StreamTask task : tasks.values())
                {
                    task.advanceWallClock(now);
                }
                if (now >= nextCommit && !lost)
                {
                    commit();
                    nextCommit = now + config.commitInterval().toMillis();
                }
            }
            if (!lost)
            {
                commitAndWait();
            }
        }
        catch (final RuntimeException ex)
        {
            failed = true;
            throw ex;
        }
        finally
        {
            if (lost)
            {
                failed = true;
            }
            try
            {
                // The next session reads the committed offsets: a checkpoint still on its way must have landed
                // or failed by then.
                awaitInFlightQuietly();
                consumer.close();
            }
            finally
            {
                consumer = null;
                tasks.values().forEach(task -> task.state().close());
                tasks.clear();
                buffered.clear();
                heldPartitions = Set.of();
                checkpoint.clear();
            }
        }
    }

    /**
     * Process a task's buffered records, across its input partitions, in timestamp order, as Kafka Streams does: the
     * next record is the oldest head among its partitions. While a partition of the task has nothing buffered but
     * is known or may be behind its end (a table's rows not read yet, say), the task waits for it, so a stream-table
     * join sees the rows written before the stream records; it stops waiting when that partition's lag is known to
     * be zero, or when a partition has {@link #MAX_BUFFERED_PER_PARTITION} records waiting.
     */
    private void processInTimestampOrder(final int partition, final StreamTask task)
    {
        final List<TopicPartition> inputs = new ArrayList<>();
        for (final TopicPartition tp : consumer.assignment())
        {
            if (tp.partition() == partition)
            {
                inputs.add(tp);
            }
        }
        while (!lost)
        {
            ArrayDeque<ConsumerRecord<byte[], byte[]>> next = null;
            boolean behind = false;
            boolean full = false;
            for (final TopicPartition tp : inputs)
            {
                final ArrayDeque<ConsumerRecord<byte[], byte[]>> records = buffered.get(tp);
                if (records == null || records.isEmpty())
                {
                    final OptionalLong lag = consumer.currentLag(tp);
                    behind |= lag.isEmpty() || lag.getAsLong() > 0;
                    continue;
                }
                full |= records.size() >= MAX_BUFFERED_PER_PARTITION;
                if (next == null || records.peekFirst().timestamp() < next.peekFirst().timestamp())
                {
                    next = records;
                }
            }
            if (next == null || behind && !full)
            {
                return;
            }
            final ConsumerRecord<byte[], byte[]> record = next.pollFirst();
            task.process(record.topic(), record.key(), record.value(), record.timestamp());
            checkpoint.consumed(record.topicPartition(), record.offset());
            processed++;
            if (pendingBytes() >= config.maxCheckpointBytes())
            {
                commit();
            }
        }
    }

    private long pendingBytes()
    {
        long bytes = checkpoint.bytes();
        for (final StreamTask task : tasks.values())
        {
            for (final KeyValueStore store : task.state().stores().values())
            {
                bytes += store.pendingBytes() + 64L * store.pendingChanges();
            }
        }
        return bytes;
    }

    private void commit()
    {
        final long now = System.currentTimeMillis();
        for (final Map.Entry<Integer, StreamTask> task : tasks.entrySet())
        {
            for (final KeyValueStore store : task.getValue().state().stores().values())
            {
                final String topic = changelogs.get(store.name());
                store.drainChanges().forEach((k, v) -> checkpoint.changelog(topic, task.getKey(), k, v, now));
            }
        }
        if (checkpoint.isEmpty())
        {
            return;
        }
        awaitInFlight();
        final Transaction<byte[], byte[]> tx = producer.beginTransaction();
        for (final ProducerRecord<byte[], byte[]> record : checkpoint.records())
        {
            tx.send(record);
        }
        if (!checkpoint.offsets().isEmpty())
        {
            tx.sendOffsets(new HashMap<>(checkpoint.offsets()), consumer.groupMetadata());
        }
        inFlight = tx.commit();
        checkpoint.clear();
    }

    private void commitAndWait()
    {
        commit();
        awaitInFlight();
    }

    /**
     * Wait for the checkpoint in flight, if any.
     *
     * @throws TributaryException when it was refused or not acknowledged in time.
     */
    private void awaitInFlight()
    {
        if (inFlight == null)
        {
            return;
        }
        final CompletableFuture<List<RecordMetadata>> commit = inFlight;
        inFlight = null;
        try
        {
            commit.get(COMMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof TributaryException te)
            {
                throw te;
            }
            throw new TributaryException(ErrorCode.UNKNOWN_ERROR, "checkpoint failed: " + ex.getCause(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new TributaryException(ErrorCode.TIMEOUT, "checkpoint not acknowledged in " + COMMIT_TIMEOUT);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TributaryException(ErrorCode.TIMEOUT, "interrupted while checkpointing");
        }
        checkpoints++;
    }

    private void awaitInFlightQuietly()
    {
        try
        {
            awaitInFlight();
        }
        catch (final RuntimeException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "pipeline " + topology.name()
                + ": the last checkpoint was not committed: " + ex.getMessage());
        }
    }

    private Function<String, StoreBackend> backends(final int partition)
    {
        final Path root = config.stateDirectory();
        if (root == null)
        {
            return store -> new InMemoryBackend();
        }
        return store -> new RocksDbBackend(root.resolve(topology.name()).resolve(Integer.toString(partition))
            .resolve(store));
    }

    private void seekUncommitted(final Collection<TopicPartition> partitions)
    {
        final Map<TopicPartition, Long> committed = consumer.committed(partitions);
        final List<TopicPartition> fromBeginning = new ArrayList<>();
        final List<TopicPartition> fromEnd = new ArrayList<>();
        final List<TopicPartition> fromTime = new ArrayList<>();
        for (final TopicPartition tp : partitions)
        {
            if (committed.containsKey(tp))
            {
                continue;
            }
            if (repartitionTopics.contains(tp.topic()))
            {
                fromBeginning.add(tp);
                continue;
            }
            switch (config.startAt().position())
            {
                case BEGINNING -> fromBeginning.add(tp);
                case END -> fromEnd.add(tp);
                case OFFSET -> consumer.seek(tp, config.startAt().offset());
                case TIME -> fromTime.add(tp);
                default -> throw new IllegalStateException();
            }
        }
        if (!fromBeginning.isEmpty())
        {
            consumer.seekToBeginning(fromBeginning);
        }
        if (!fromEnd.isEmpty())
        {
            consumer.seekToEnd(fromEnd);
        }
        if (!fromTime.isEmpty())
        {
            consumer.seekToTimestamp(fromTime, config.startAt().time().toEpochMilli());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener
    {
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            final long now = System.currentTimeMillis();
            for (final TopicPartition tp : partitions)
            {
                if (!tasks.containsKey(tp.partition()))
                {
                    tasks.put(tp.partition(), new StreamTask(topology, restorer.restore(topology, tp.partition(),
                        backends(tp.partition())), checkpoint::output, now));
                }
            }
            seekUncommitted(partitions);
            heldPartitions = Set.copyOf(tasks.keySet());
        }

        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            if (!failed && !lost)
            {
                commitAndWait();
            }
            final Set<Integer> held = new HashSet<>();
            for (final TopicPartition tp : consumer.assignment())
            {
                if (!partitions.contains(tp))
                {
                    held.add(tp.partition());
                }
            }
            partitions.forEach(buffered::remove);
            tasks.entrySet().removeIf(task ->
            {
                if (held.contains(task.getKey()))
                {
                    return false;
                }
                task.getValue().state().close();
                return true;
            });
            heldPartitions = Set.copyOf(tasks.keySet());
        }

        public void onPartitionsLost(final Collection<TopicPartition> partitions)
        {
            lost = true;
        }
    }
}
