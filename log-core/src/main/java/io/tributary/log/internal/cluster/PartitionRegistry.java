package io.tributary.log.internal.cluster;

import io.tributary.log.internal.storage.PartitionLog;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The partition logs a node holds, shared between the clustered service, which is their only writer and the only
 * one to add or remove topics, and the fetch server, which reads them. Thread-safe.
 */
public final class PartitionRegistry
{
    private final ConcurrentHashMap<String, PartitionLog[]> topics = new ConcurrentHashMap<>();
    private volatile int role = -1;
    private volatile long appliedLogPosition;
    private volatile long lastSnapshotPosition = -1;
    private volatile long logStartPosition;
    private final java.util.concurrent.ConcurrentLinkedQueue<CorruptBatch> corruptReports =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.Set<CorruptBatch> corruptPending = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong corruptBatchesFound = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong segmentsRepaired = new java.util.concurrent.atomic.AtomicLong();

    /**
     * A batch that failed its CRC on this node.
     *
     * @param topic     its topic.
     * @param partition its partition.
     * @param offset    an offset of the batch (its base offset as read, which may itself be damaged), or the fetch
     *                  offset that met it.
     */
    public record CorruptBatch(String topic, int partition, long offset)
    {
    }

    /**
     * Report a batch that failed its CRC, for the node to repair from a peer. Any thread.
     */
    public void reportCorrupt(final CorruptBatch batch)
    {
        if (corruptPending.add(batch))
        {
            corruptBatchesFound.incrementAndGet();
            corruptReports.offer(batch);
        }
    }

    void corruptHandled(final CorruptBatch batch)
    {
        corruptPending.remove(batch);
    }

    CorruptBatch pollCorrupt()
    {
        return corruptReports.poll();
    }

    /**
     * @return batches found failing their CRC on this node since it started.
     */
    public long corruptBatchesFound()
    {
        return corruptBatchesFound.get();
    }

    /**
     * @return segments repaired from a peer's copy since the node started.
     */
    public long segmentsRepaired()
    {
        return segmentsRepaired.get();
    }

    void segmentRepaired()
    {
        segmentsRepaired.incrementAndGet();
    }

    /**
     * @param topic name.
     * @return the topic's partition logs indexed by partition, or null when the topic does not exist.
     */
    public PartitionLog[] partitions(final String topic)
    {
        return topics.get(topic);
    }

    /**
     * @return the topics and their partition logs now, sorted by name.
     */
    public java.util.SortedMap<String, PartitionLog[]> topics()
    {
        return new java.util.TreeMap<>(topics);
    }

    void put(final String topic, final PartitionLog[] partitions)
    {
        topics.put(topic, partitions);
    }

    void remove(final String topic)
    {
        topics.remove(topic);
    }

    void clear()
    {
        topics.clear();
    }

    /**
     * @return the node's role as the ordinal of Aeron's {@code Cluster.Role}, or -1 before the service started.
     */
    public int role()
    {
        return role;
    }

    void role(final int role)
    {
        this.role = role;
    }

    /**
     * @return the cluster log position of the last entry this node's service applied.
     */
    public long appliedLogPosition()
    {
        return appliedLogPosition;
    }

    void appliedLogPosition(final long position)
    {
        this.appliedLogPosition = position;
    }

    /**
     * @return the cluster log position of the newest snapshot this node took or started from, -1 for none.
     */
    public long lastSnapshotPosition()
    {
        return lastSnapshotPosition;
    }

    void lastSnapshotPosition(final long position)
    {
        this.lastSnapshotPosition = position;
    }

    /**
     * @return the first position of the cluster log this node's archive still holds: 0 until it purges.
     */
    public long logStartPosition()
    {
        return logStartPosition;
    }

    void logStartPosition(final long position)
    {
        this.logStartPosition = position;
    }
}
