package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRebalanceListener;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.ConsumerRecords;
import io.tributary.log.ErrorCode;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicDescription;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tributary consume TOPIC}: print records as a {@link RecordFormat} says.
 * <p>
 * Where each partition starts: with {@code --group}, at the group's committed offset when it has one; otherwise at
 * the start option ({@code --from-beginning}, {@code --offset}, {@code --from-time}), else at the end. With
 * {@code --group} it commits, every {@value #COMMIT_INTERVAL_MS} ms, before giving a partition up and before exiting,
 * the offset after the last record it printed of each partition (or where it started, when it printed none there).
 * <p>
 * {@code --group} without {@code --partition} joins the group: several such processes share the topic's partitions,
 * and partitions move between them as they come and go. With {@code --partition} it reads that partition itself and
 * commits for the group (refused while the group has live members).
 */
@Command(name = "consume", description = {
    "Print the records of a topic (all partitions unless --partition).",
    "Stops after --max-records, or once --timeout passes with no new record; without either, runs until interrupted.",
    "With --group: joins the group (processes with the same group share the topic's partitions), starts at the",
    "group's committed offsets (else as the start option says) and commits what it printed, periodically, before",
    "giving a partition to another member, and before it exits." })
final class ConsumeCommand implements Callable<Integer>
{
    static final long COMMIT_INTERVAL_MS = 5000;
    private static final Duration MAX_POLL = Duration.ofMillis(500);

    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @ArgGroup(exclusive = true)
    Start start;

    @Option(names = "--partition", paramLabel = "P", description = "only this partition (default: all)")
    Integer partition;

    @Option(names = "--group", paramLabel = "G",
        description = "consumer group: join it (share the partitions with its other members), start at and commit " +
            "its offsets")
    String group;

    @Option(names = "--max-records", paramLabel = "N", description = "exit after printing N records")
    Long maxRecords;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "exit once this long passes without a new record, e.g. 500ms, 10s, 5m, 1h")
    Duration timeout;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "%s\\n",
        description = "%%t topic, %%p partition, %%o offset, %%k key, %%s value, %%T timestamp (ms), %%%% a percent; " +
            "\\n \\t \\r \\\\ escapes; null key or value prints empty (default: ${DEFAULT-VALUE})")
    String format;

    /** Where partitions without a committed offset start; at most one. */
    static final class Start
    {
        @Option(names = "--from-beginning", description = "start at each partition's first offset")
        boolean fromBeginning;

        @Option(names = "--offset", paramLabel = "N",
            description = "start at offset N of each partition consumed; it must be within the partition's range")
        Long offset;

        @Option(names = "--from-time", paramLabel = "ISO-8601",
            description = "start at each partition's first record at or after this time, e.g. 2024-05-01T12:00:00Z " +
                "or 2024-05-01T14:00:00+02:00 (at the end when there is none)")
        String fromTime;
    }

    ConsumeCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call()
    {
        final RecordFormat recordFormat = parseFormat();
        final Long fromTimeMs = start != null && start.fromTime != null ? GroupCommand.parseTime(spec, "--from-time", start.fromTime) : null;
        if (maxRecords != null && maxRecords < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-records must be >= 0: " + maxRecords);
        }
        if (start != null && start.offset != null && start.offset < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--offset must be >= 0: " + start.offset);
        }

        final ConsumerConfig config = ConsumerConfig.builder()
            .cluster(cluster.cluster()).credentials(cluster.credentials(ctx))
            .groupId(group)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .enableAutoCommit(false) // it commits what it printed, which may be less than what poll returned
            .build();
        // Covers closing the clients too: a signal must not end the JVM before their resources are released.
        final Stopper stopper = new Stopper(ctx.handleSignals());
        try (Admin admin = cluster.admin(ctx); Consumer<String, String> consumer = Consumer.create(config))
        {
            final TopicDescription description = admin.describeTopic(topic);
            if (group != null && partition == null)
            {
                final Map<TopicPartition, Long> next = new TreeMap<>();
                consumer.subscribe(List.of(topic), new GroupListener(consumer, description, fromTimeMs, next));
                return consume(consumer, recordFormat, next, stopper);
            }
            final List<TopicPartition> partitions = partitions(description);
            consumer.assign(partitions);
            final Map<TopicPartition, Long> next = position(consumer, description, partitions, fromTimeMs);
            return consume(consumer, recordFormat, next, stopper);
        }
        finally
        {
            stopper.done();
        }
    }

    private int consume(
        final Consumer<String, String> consumer,
        final RecordFormat recordFormat,
        final Map<TopicPartition, Long> next,
        final Stopper stopper)
    {
        final StringBuilder text = new StringBuilder();
        long printed = 0;
        long lastRecordNs = System.nanoTime();
        long nextCommitNs = lastRecordNs + TimeUnit.MILLISECONDS.toNanos(COMMIT_INTERVAL_MS);
        boolean uncommitted = group != null;
        while (!stopper.stopRequested() && (maxRecords == null || printed < maxRecords))
        {
            Duration pollFor = MAX_POLL;
            if (timeout != null)
            {
                final long remainingNs = lastRecordNs + timeout.toNanos() - System.nanoTime();
                if (remainingNs <= 0)
                {
                    break;
                }
                pollFor = Duration.ofNanos(Math.min(remainingNs, MAX_POLL.toNanos()));
            }
            final ConsumerRecords<String, String> records = consumer.poll(pollFor);
            if (!records.isEmpty())
            {
                lastRecordNs = System.nanoTime();
                text.setLength(0);
                for (final ConsumerRecord<String, String> record : records)
                {
                    if (maxRecords != null && printed >= maxRecords)
                    {
                        break;
                    }
                    recordFormat.render(record, text);
                    next.put(record.topicPartition(), record.offset() + 1);
                    printed++;
                }
                ctx.out().print(text);
                ctx.out().flush();
                uncommitted = group != null;
                if (ctx.out().checkError())
                {
                    break; // stdout is gone, e.g. piped into head
                }
            }
            if (uncommitted && System.nanoTime() - nextCommitNs >= 0)
            {
                consumer.commitSync(next);
                uncommitted = false;
                nextCommitNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMIT_INTERVAL_MS);
            }
        }
        if (group != null)
        {
            consumer.commitSync(next);
        }
        return TributaryCli.OK;
    }

    private List<TopicPartition> partitions(final TopicDescription description)
    {
        final int count = description.partitions().size();
        if (partition != null)
        {
            if (partition < 0 || partition >= count)
            {
                throw new TributaryException(ErrorCode.PARTITION_OUT_OF_RANGE, "topic '" + topic +
                    "' has partitions 0 to " + (count - 1) + "; there is no partition " + partition);
            }
            return List.of(new TopicPartition(topic, partition));
        }
        final List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < count; p++)
        {
            all.add(new TopicPartition(topic, p));
        }
        return all;
    }

    /**
     * Positions partitions the group gives this process, and commits what was printed of those it takes away.
     */
    private final class GroupListener implements ConsumerRebalanceListener
    {
        private final Consumer<String, String> consumer;
        private final TopicDescription description;
        private final Long fromTimeMs;
        private final Map<TopicPartition, Long> next;

        GroupListener(
            final Consumer<String, String> consumer,
            final TopicDescription description,
            final Long fromTimeMs,
            final Map<TopicPartition, Long> next)
        {
            this.consumer = consumer;
            this.description = description;
            this.fromTimeMs = fromTimeMs;
            this.next = next;
        }

        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            final Map<TopicPartition, Long> printed = new TreeMap<>();
            for (final TopicPartition tp : partitions)
            {
                final Long offset = next.remove(tp);
                if (offset != null)
                {
                    printed.put(tp, offset);
                }
            }
            consumer.commitSync(printed);
        }

        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            next.putAll(position(consumer, description, List.copyOf(partitions), fromTimeMs));
        }

        public void onPartitionsLost(final Collection<TopicPartition> partitions)
        {
            // Another member may hold them already: what was printed is not ours to commit any more.
            partitions.forEach(next::remove);
        }
    }

    /**
     * Seek every partition to where it starts.
     *
     * @return the start offset of every partition.
     */
    private Map<TopicPartition, Long> position(
        final Consumer<String, String> consumer,
        final TopicDescription description,
        final List<TopicPartition> partitions,
        final Long fromTimeMs)
    {
        final List<TopicPartition> unpositioned = new ArrayList<>(partitions);
        if (group != null)
        {
            for (final Map.Entry<TopicPartition, Long> committed : consumer.committed(partitions).entrySet())
            {
                consumer.seek(committed.getKey(), committed.getValue());
                unpositioned.remove(committed.getKey());
            }
        }
        if (start != null && start.fromBeginning)
        {
            consumer.seekToBeginning(unpositioned);
        }
        else if (start != null && start.offset != null)
        {
            for (final TopicPartition tp : unpositioned)
            {
                final PartitionInfo info = description.partitions().get(tp.partition());
                if (start.offset < info.startOffset() || start.offset > info.endOffset())
                {
                    throw new TributaryException(ErrorCode.OFFSET_OUT_OF_RANGE, "--offset " + start.offset +
                        " is outside partition " + tp + ": it starts at offset " + info.startOffset() +
                        " and its end (the next offset to be written) is " + info.endOffset());
                }
                consumer.seek(tp, start.offset);
            }
        }
        else if (fromTimeMs != null)
        {
            consumer.seekToTimestamp(unpositioned, fromTimeMs);
        }
        else
        {
            consumer.seekToEnd(unpositioned);
        }
        final Map<TopicPartition, Long> positions = new TreeMap<>();
        for (final TopicPartition tp : partitions)
        {
            positions.put(tp, consumer.position(tp));
        }
        return positions;
    }

    private RecordFormat parseFormat()
    {
        try
        {
            return RecordFormat.parse(format);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--format: " + ex.getMessage());
        }
    }

    /**
     * Lets SIGINT/SIGTERM end the loop so the command commits and closes before the JVM exits, when the run owns the
     * process; otherwise inert.
     */
    private static final class Stopper
    {
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread hook;
        private volatile boolean stopRequested;

        Stopper(final boolean handleSignals)
        {
            hook = handleSignals ? new Thread(this::stopAndWait, "tributary-consume-shutdown") : null;
            if (hook != null)
            {
                Runtime.getRuntime().addShutdownHook(hook);
            }
        }

        boolean stopRequested()
        {
            return stopRequested;
        }

        void done()
        {
            done.countDown();
            if (hook != null)
            {
                try
                {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                catch (final IllegalStateException shuttingDown)
                {
                    // the hook is running or has run; nothing to undo
                }
            }
        }

        private void stopAndWait()
        {
            stopRequested = true;
            try
            {
                done.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
