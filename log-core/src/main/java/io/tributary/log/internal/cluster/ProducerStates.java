package io.tributary.log.internal.cluster;

import io.aeron.ExclusivePublication;
import io.tributary.log.TopicPartition;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.ProducerStateSnapshotDecoder;
import io.tributary.log.internal.codecs.ProducerStateSnapshotEncoder;
import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Idempotent producers' sequence state: per producer and partition, the last sequence number written and the
 * outcome of the last {@link #REMEMBERED_BATCHES} batches, so a batch sent again (after a failover, when its first
 * answer was lost) is answered with its first outcome — same offsets, or same error — instead of being appended
 * twice, and a batch that skips ahead is refused so a partition is never reordered.
 * <p>
 * A batch the cluster refused (too large, unknown topic) still uses up its sequence numbers: the producer's later
 * batches, already on their way, stay in sequence, and a retry of the refused one gets the same refusal.
 * <p>
 * Producers unused for {@link #EXPIRY_MS} of cluster time are forgotten.
 * <p>
 * Threading: the service thread only. Deterministic: sorted maps, cluster time.
 */
public final class ProducerStates
{
    public static final int REMEMBERED_BATCHES = 64;
    static final long EXPIRY_MS = 7L * 24 * 3600 * 1000;

    /** What a batch's sequence numbers say about it. */
    enum Verdict
    {
        /** Next in sequence (or the producer's first batch for the partition): validate and append. */
        NEXT,
        /** Sent before: answer with {@link #duplicate()}'s outcome. */
        DUPLICATE,
        /** Skips ahead of, or falls behind, what is remembered: refuse, the producer resends in order. */
        OUT_OF_ORDER
    }

    /** The outcome of one batch, as first answered. */
    record Batch(int baseSequence, int recordCount, long baseOffset, long appendTime, ErrorCode errorCode)
    {
    }

    private static final class PartitionState
    {
        int lastSequence = -1;
        final ArrayDeque<Batch> batches = new ArrayDeque<>(4);
    }

    private static final class Producer
    {
        long lastUsedTime;
        final TreeMap<TopicPartition, PartitionState> partitions = new TreeMap<>();
    }

    private final TreeMap<Long, Producer> producers = new TreeMap<>();
    private long nextProducerId = 1;
    private Batch duplicate;
    private String outOfOrderReason;

    long allocateProducerId(final long now)
    {
        expire(now);
        final long id = nextProducerId++;
        producers.computeIfAbsent(id, k -> new Producer()).lastUsedTime = now;
        return id;
    }

    long nextProducerId()
    {
        return nextProducerId;
    }

    void nextProducerId(final long nextProducerId)
    {
        this.nextProducerId = nextProducerId;
    }

    /**
     * Judge a batch by its sequence numbers, as if the batches before it in the same request had been recorded.
     *
     * @param pending sequence numbers recorded so far in this request, not yet in the state: last sequence by
     *                producer and partition; consulted before the state.
     */
    Verdict check(
        final long producerId,
        final TopicPartition tp,
        final int baseSequence,
        final int recordCount,
        final Map<ProducerPartition, Integer> pending)
    {
        duplicate = null;
        outOfOrderReason = null;
        final Producer producer = producers.get(producerId);
        final PartitionState state = producer == null ? null : producer.partitions.get(tp);
        final Integer pendingLast = pending.get(new ProducerPartition(producerId, tp));
        final int lastSequence = pendingLast != null ? pendingLast : state == null ? -1 : state.lastSequence;

        if (state != null && pendingLast == null)
        {
            for (final Batch batch : state.batches)
            {
                if (batch.baseSequence == baseSequence && batch.recordCount == recordCount)
                {
                    duplicate = batch;
                    return Verdict.DUPLICATE;
                }
            }
        }
        if (lastSequence < 0 || baseSequence == lastSequence + 1)
        {
            return Verdict.NEXT;
        }
        outOfOrderReason = baseSequence <= lastSequence ?
            "sequence " + baseSequence + " of producer " + producerId + " on " + tp +
            " was written too long ago to be answered again (last sequence " + lastSequence + ")" :
            "producer " + producerId + " skipped from sequence " + lastSequence + " to " + baseSequence + " on " + tp +
            "; an earlier batch must be sent first";
        return Verdict.OUT_OF_ORDER;
    }

    Batch duplicate()
    {
        return duplicate;
    }

    String outOfOrderReason()
    {
        return outOfOrderReason;
    }

    /**
     * Remember a batch's outcome: appended at {@code baseOffset}, or refused with {@code errorCode}.
     */
    void record(
        final long producerId,
        final TopicPartition tp,
        final int baseSequence,
        final int recordCount,
        final long baseOffset,
        final long appendTime,
        final ErrorCode errorCode,
        final long now)
    {
        final Producer producer = producers.computeIfAbsent(producerId, k -> new Producer());
        producer.lastUsedTime = now;
        final PartitionState state = producer.partitions.computeIfAbsent(tp, k -> new PartitionState());
        state.lastSequence = baseSequence + recordCount - 1;
        if (state.batches.size() == REMEMBERED_BATCHES)
        {
            state.batches.removeFirst();
        }
        state.batches.addLast(new Batch(baseSequence, recordCount, baseOffset, appendTime, errorCode));
    }

    /**
     * Forget a topic's partitions, when it is deleted: a topic created again under its name starts afresh.
     */
    void removeTopic(final String topic)
    {
        for (final Producer producer : producers.values())
        {
            producer.partitions.keySet().removeIf(tp -> tp.topic().equals(topic));
        }
    }

    /**
     * Forget producers unused for {@link #EXPIRY_MS}.
     */
    void expire(final long now)
    {
        for (final Iterator<Producer> it = producers.values().iterator(); it.hasNext(); )
        {
            if (now - it.next().lastUsedTime > EXPIRY_MS)
            {
                it.remove();
            }
        }
    }

    int producerCount()
    {
        return producers.size();
    }

    /**
     * Write every producer's state, one {@code ProducerStateSnapshot} per producer.
     *
     * @param offer publishes {@code buffer[0, length)} to the snapshot.
     */
    void writeSnapshot(final ExpandableArrayBuffer buffer, final IntConsumer offer)
    {
        final ProducerStateSnapshotEncoder encoder = new ProducerStateSnapshotEncoder();
        final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        for (final Map.Entry<Long, Producer> e : producers.entrySet())
        {
            final Producer producer = e.getValue();
            encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .producerId(e.getKey())
                .lastUsedTime(producer.lastUsedTime);
            final ProducerStateSnapshotEncoder.PartitionsEncoder partitions =
                encoder.partitionsCount(producer.partitions.size());
            for (final Map.Entry<TopicPartition, PartitionState> p : producer.partitions.entrySet())
            {
                partitions.next().partition(p.getKey().partition()).lastSequence(p.getValue().lastSequence);
                final ProducerStateSnapshotEncoder.PartitionsEncoder.BatchesEncoder batches =
                    partitions.batchesCount(p.getValue().batches.size());
                for (final Batch batch : p.getValue().batches)
                {
                    batches.next()
                        .baseSequence(batch.baseSequence)
                        .recordCount(batch.recordCount)
                        .baseOffset(batch.baseOffset)
                        .appendTime(batch.appendTime)
                        .errorCode(batch.errorCode);
                }
                partitions.topic(p.getKey().topic());
            }
            offer.accept(MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        }
    }

    void loadSnapshot(final ProducerStateSnapshotDecoder decoder)
    {
        final Producer producer = new Producer();
        final long producerId = decoder.producerId();
        producer.lastUsedTime = decoder.lastUsedTime();
        for (final ProducerStateSnapshotDecoder.PartitionsDecoder p : decoder.partitions())
        {
            final int partition = p.partition();
            final PartitionState state = new PartitionState();
            state.lastSequence = p.lastSequence();
            for (final ProducerStateSnapshotDecoder.PartitionsDecoder.BatchesDecoder b : p.batches())
            {
                state.batches.addLast(new Batch(
                    b.baseSequence(), b.recordCount(), b.baseOffset(), b.appendTime(), b.errorCode()));
            }
            producer.partitions.put(new TopicPartition(p.topic(), partition), state);
        }
        producers.put(producerId, producer);
    }

    /** Key of the per-request overlay of sequence numbers. */
    record ProducerPartition(long producerId, TopicPartition tp)
    {
    }
}
