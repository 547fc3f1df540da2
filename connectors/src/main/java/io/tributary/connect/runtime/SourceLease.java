package io.tributary.connect.runtime;

import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerGroupMetadata;
import io.tributary.log.ConsumerRebalanceListener;
import io.tributary.log.Deserializer;
import io.tributary.log.ErrorCode;
import io.tributary.log.NewTopic;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.Transaction;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Sole ownership of a source connector among every runner of it that takes a lease: the lease is partition 0 of
 * {@value #TOPIC} in the consumer group {@code __connector-lease.<connector>}, of which each runner is a member. The
 * group coordinator grants a partition to one member at a time, and to a new one only once the old one gave it up or
 * its session expired on the cluster's clock. Every append of the source carries a commit of the group's offset for
 * that partition ({@link #fence}), which the cluster refuses ({@code FENCED_MEMBER}, {@code UNKNOWN_MEMBER}) unless
 * the appending member holds it, in the same log entry as the records: a runner that lost the lease (paused past its
 * session, cut off) cannot append, however late its append arrives.
 * <p>
 * The cluster fences by member id, and a consumer whose session expired rejoins as a new member (a new id suffix), so
 * an append sent under the old membership is refused even after the lease came back to the same consumer. The
 * lease is also given up on the client, for good, as soon as the holder sees it lost, revoked or granted again, or
 * when its watch thread (a tick every 100 ms) finds the process was stalled longer than half a session (a pause,
 * SIGSTOP or a long GC, after which the member may have expired and rejoined): its runner stops, and starts again
 * under a new lease, reading its position afresh. A slow source does not lose the lease; a stalled process does.
 * <p>
 * Threading: the runner's thread acquires, fences and closes it; the watch thread only marks it lost.
 */
public final class SourceLease implements AutoCloseable
{
    /** The topic whose partition 0 is every source's lease (it holds no records). */
    public static final String TOPIC = "__connector_leases";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long WATCH_TICK_MS = 100;

    private final Consumer<byte[], byte[]> consumer;
    private final long maxStallNs;
    private ConsumerGroupMetadata holder;
    private volatile boolean lost;
    private volatile String lostReason;
    private Thread watch;

    private SourceLease(final Consumer<byte[], byte[]> consumer, final Duration sessionTimeout)
    {
        this.consumer = consumer;
        this.maxStallNs = sessionTimeout.toNanos() / 2;
    }

    /**
     * @return the consumer group whose member holding partition 0 of {@value #TOPIC} owns the connector.
     */
    public static String group(final String connector)
    {
        return "__connector-lease." + connector;
    }

    /**
     * Join the connector's lease group and wait until this member holds the lease, or {@code running} turns false.
     *
     * @return the lease, or null when stopped first.
     */
    public static SourceLease acquire(final String cluster, final String connector, final Duration sessionTimeout,
        final BooleanSupplier running)
    {
        try (Admin admin = Admin.create(cluster))
        {
            Topics.ensure(admin, new NewTopic(TOPIC, 1, Map.of()));
        }
        final Consumer<byte[], byte[]> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster)
            .groupId(group(connector)).enableAutoCommit(false).sessionTimeout(sessionTimeout)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.bytes(), Deserializer.bytes());
        final SourceLease lease = new SourceLease(consumer, sessionTimeout);
        try
        {
            consumer.subscribe(List.of(TOPIC), lease.listener());
            while (running.getAsBoolean())
            {
                consumer.poll(POLL);
                if (consumer.assignment().contains(PARTITION))
                {
                    lease.holder = consumer.groupMetadata();
                    lease.watch(connector);
                    return lease;
                }
            }
        }
        catch (final RuntimeException ex)
        {
            consumer.close();
            throw ex;
        }
        consumer.close();
        return null;
    }

    /**
     * @return the member id holding the lease.
     */
    public String holder()
    {
        return holder.memberId();
    }

    /**
     * Check the lease is still held, and add its fenced commit to an append.
     *
     * @throws TributaryException FENCED_MEMBER when the lease is lost or may be.
     */
    public void fence(final Transaction<byte[], byte[]> transaction)
    {
        if (!lost)
        {
            consumer.poll(Duration.ZERO);
            if (!consumer.assignment().contains(PARTITION))
            {
                lost("the lease was reassigned");
            }
        }
        if (lost)
        {
            throw new TributaryException(ErrorCode.FENCED_MEMBER, "source lease " + holder.groupId() + " lost: " +
                lostReason);
        }
        transaction.sendOffsets(Map.of(PARTITION, 0L), holder);
    }

    /**
     * @return true when the cluster refused an append because this member does not hold the lease.
     */
    public static boolean isFenced(final Throwable ex)
    {
        return ex instanceof TributaryException te &&
            (te.errorCode() == ErrorCode.FENCED_MEMBER || te.errorCode() == ErrorCode.UNKNOWN_MEMBER);
    }

    /**
     * Give the lease up: the group's next member takes it at once.
     */
    public void close()
    {
        lost("given up");
        if (watch != null)
        {
            watch.interrupt();
        }
        consumer.close();
    }

    private synchronized void lost(final String reason)
    {
        if (!lost)
        {
            lostReason = reason;
            lost = true;
        }
    }

    /**
     * Tick until the lease is lost or given up; a tick late by over half a session means the process stalled.
     */
    private void watch(final String connector)
    {
        watch = new Thread(() ->
        {
            long last = System.nanoTime();
            while (!lost)
            {
                try
                {
                    Thread.sleep(WATCH_TICK_MS);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                final long now = System.nanoTime();
                if (now - last > maxStallNs)
                {
                    lost("the process stalled for " + Duration.ofNanos(now - last).toMillis() + " ms, over half " +
                        "the session: the lease may have expired meanwhile");
                }
                last = now;
            }
        }, "lease-watch-" + connector);
        watch.setDaemon(true);
        watch.start();
    }

    private ConsumerRebalanceListener listener()
    {
        return new ConsumerRebalanceListener()
        {
            public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
            {
                if (holder != null && partitions.contains(PARTITION))
                {
                    lost("the lease was revoked");
                }
            }

            public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
            {
                if (holder != null && partitions.contains(PARTITION))
                {
                    lost("the lease was lost and granted again");
                }
            }

            public void onPartitionsLost(final Collection<TopicPartition> partitions)
            {
                if (holder != null)
                {
                    lost("the lease's session expired");
                }
            }
        };
    }
}
