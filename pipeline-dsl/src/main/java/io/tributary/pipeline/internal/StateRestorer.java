package io.tributary.pipeline.internal;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Rebuilds a task's stores from partition {@code p} of their changelog topics, read from the beginning to the end
 * offset at the time of the call. Since the changelog is written only inside checkpoints, the restored state is the
 * state as of the task's last committed input offsets.
 * <p>
 * Not thread-safe: used by the runner's thread.
 */
public final class StateRestorer
{
    private final String cluster;
    private final Admin admin;
    private final Duration timeout;

    public StateRestorer(final String cluster, final Admin admin, final Duration timeout)
    {
        this.cluster = cluster;
        this.admin = admin;
        this.timeout = timeout;
    }

    /**
     * @return the task's state, restored.
     */
    public TaskState restore(final GraphTopology topology, final int partition,
        final Function<String, StoreBackend> backends)
    {
        final TaskState state = new TaskState(topology.storeNames(), backends);
        final List<TopicPartition> partitions = new ArrayList<>();
        topology.changelogTopics().values().forEach(t -> partitions.add(new TopicPartition(t, partition)));
        final Map<TopicPartition, Long> ends = admin.endOffsets(partitions);
        final List<TopicPartition> toRead = new ArrayList<>();
        for (final TopicPartition tp : partitions)
        {
            if (ends.getOrDefault(tp, 0L) > 0)
            {
                toRead.add(tp);
            }
        }
        if (toRead.isEmpty())
        {
            return state;
        }
        final Map<String, String> storeByTopic = new HashMap<>();
        topology.changelogTopics().forEach((store, topic) -> storeByTopic.put(topic, store));
        final ConsumerConfig config = ConsumerConfig.builder().cluster(cluster).enableAutoCommit(false)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build();
        try (Consumer<byte[], byte[]> consumer = Consumer.create(config, Deserializer.bytes(), Deserializer.bytes()))
        {
            consumer.assign(toRead);
            consumer.seekToBeginning(toRead);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!caughtUp(consumer, toRead, ends))
            {
                if (System.nanoTime() > deadline)
                {
                    throw new TributaryException(ErrorCode.TIMEOUT, "restoring task " + partition
                        + " of pipeline " + topology.name() + " did not reach the changelogs' end in " + timeout);
                }
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100)))
                {
                    if (r.offset() < ends.get(r.topicPartition()))
                    {
                        state.store(storeByTopic.get(r.topic())).restore(Bytes.wrap(r.key()), r.value());
                    }
                }
            }
        }
        return state;
    }

    private static boolean caughtUp(final Consumer<byte[], byte[]> consumer, final List<TopicPartition> partitions,
        final Map<TopicPartition, Long> ends)
    {
        for (final TopicPartition tp : partitions)
        {
            if (consumer.position(tp) < ends.get(tp))
            {
                return false;
            }
        }
        return true;
    }
}
