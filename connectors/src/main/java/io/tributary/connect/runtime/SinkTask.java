package io.tributary.connect.runtime;

import io.tributary.connect.config.BlockConfigs;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerRebalanceListener;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop of a sink: gather records into a batch (up to {@code batching.count}, or for {@code batching.period}),
 * deliver it through {@link SinkDelivery}, then commit the group's offsets past it. Before the group takes
 * partitions away, the pending batch is delivered and committed, so a rebalance neither loses nor repeats records
 * this member delivered.
 * <p>
 * Not thread-safe: runs on the runner's thread, as the consumer requires.
 */
public final class SinkTask implements ConsumerRebalanceListener
{
    private final Consumer<byte[], byte[]> consumer;
    private final SinkDelivery delivery;
    private final BlockConfigs.Batching batching;
    private final List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    private long batchStartNs;

    public SinkTask(final Consumer<byte[], byte[]> consumer, final SinkDelivery delivery,
        final BlockConfigs.From from, final BlockConfigs.Batching batching)
    {
        this.consumer = consumer;
        this.delivery = delivery;
        this.batching = batching;
        consumer.subscribe(from.topics(), this);
    }

    /**
     * Poll once; deliver and commit when the batch is full or old enough.
     */
    public void runOnce() throws Exception
    {
        final long waitMs = pending.isEmpty() ? batching.period().toMillis() :
            Math.max(0, batching.period().toMillis() - (System.nanoTime() - batchStartNs) / 1_000_000);
        Iterable<ConsumerRecord<byte[], byte[]>> polled;
        try
        {
            polled = consumer.poll(Duration.ofMillis(Math.max(1, waitMs)));
        }
        catch (final TributaryException ex)
        {
            if (!ex.errorCode().isRetriable())
            {
                throw ex;
            }
            // A fetch that timed out (a loaded or failing-over node) is polled again; the position did not move.
            polled = List.of();
        }
        for (final ConsumerRecord<byte[], byte[]> record : polled)
        {
            if (pending.isEmpty())
            {
                batchStartNs = System.nanoTime();
            }
            pending.add(record);
            if (pending.size() >= batching.count())
            {
                flush();
            }
        }
        if (!pending.isEmpty() &&
            System.nanoTime() - batchStartNs >= batching.period().toNanos())
        {
            flush();
        }
    }

    /**
     * Deliver and commit what is pending.
     */
    public void flush() throws Exception
    {
        if (pending.isEmpty())
        {
            return;
        }
        final List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(pending);
        pending.clear();
        delivery.deliver(batch);
        final Map<TopicPartition, Long> offsets = new HashMap<>();
        for (final ConsumerRecord<byte[], byte[]> record : batch)
        {
            offsets.merge(record.topicPartition(), record.offset() + 1, Math::max);
        }
        consumer.commitSync(offsets);
    }

    public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
    {
        try
        {
            flush();
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("delivering before a rebalance failed: " + ex.getMessage(), ex);
        }
    }

    public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
    {
    }

    public void onPartitionsLost(final Collection<TopicPartition> partitions)
    {
        // Another member owns them now and starts from the committed offsets; what is pending would be repeated.
        pending.removeIf(r -> partitions.contains(r.topicPartition()));
    }
}
