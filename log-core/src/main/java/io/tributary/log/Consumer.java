package io.tributary.log;

import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.GroupMembership;
import io.tributary.log.internal.client.ResponseHandler;
import io.tributary.log.internal.codecs.FetchResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.record.RecordBatchReader;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads records from assigned partitions, in offset order per partition, from any node's fetch server.
 * <p>
 * A partition's position is the offset of the next record {@link #poll} returns. It starts at the group's committed
 * offset when the consumer has a group and one was committed, else where {@code autoOffsetReset} says, unless set
 * with a {@code seek}. {@link #commitSync()} stores the positions as the group's committed offsets in the cluster.
 * <p>
 * Partitions come either from {@link #assign} (the application picks them) or from {@link #subscribe} (the consumer
 * joins its group, and the cluster shares the topics' partitions among the members: see
 * {@link ConsumerRebalanceListener}); the two are exclusive. A subscribed consumer heartbeats on the client runtime's
 * shared thread, auto-commits by default (at-least-once: a position is committed only after {@code poll} returned
 * the records before it, and before a partition is given up), and leaves the group on {@link #unsubscribe} and
 * {@link #close}.
 * <p>
 * Not thread-safe: use a consumer from one thread at a time (as Kafka's). Close it when done.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class Consumer<K, V> implements AutoCloseable
{
    private final ConsumerConfig config;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final ClientRuntime runtime;
    private final ClusterRequests requests;
    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    private final LinkedBlockingQueue<CompletedFetch> completed = new LinkedBlockingQueue<>();
    private final RecordBatchReader reader = new RecordBatchReader();
    private GroupMembership membership;
    private ConsumerRebalanceListener listener;
    private long seenAssignmentVersion;
    private long nextAutoCommitNs;
    private boolean closed;

    private Consumer(
        final ConsumerConfig config, final Deserializer<K> keyDeserializer, final Deserializer<V> valueDeserializer)
    {
        this.config = config;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
        this.runtime = ClientRuntime.acquire(config.cluster(), config.credentials());
        this.requests = new ClusterRequests(runtime, config.requestTimeout());
    }

    public static <K, V> Consumer<K, V> create(
        final ConsumerConfig config, final Deserializer<K> keyDeserializer, final Deserializer<V> valueDeserializer)
    {
        return new Consumer<>(config, keyDeserializer, valueDeserializer);
    }

    /**
     * @return a consumer of string keys and values.
     */
    public static Consumer<String, String> create(final ConsumerConfig config)
    {
        return new Consumer<>(config, Deserializer.string(), Deserializer.string());
    }

    /**
     * Read exactly these partitions from now on, replacing any earlier assignment. Positions of partitions kept
     * are kept.
     */
    public void assign(final Collection<TopicPartition> partitions)
    {
        ensureOpen();
        if (membership != null)
        {
            throw new IllegalStateException("this consumer is subscribed: assign and subscribe are exclusive " +
                "(unsubscribe first)");
        }
        assigned.keySet().retainAll(partitions);
        for (final TopicPartition tp : partitions)
        {
            assigned.computeIfAbsent(tp, PartitionState::new);
        }
    }

    /**
     * Join the consumer's group for these topics: the cluster assigns this consumer a share of their partitions,
     * and moves partitions between members as members come and go, telling the listener inside {@link #poll}.
     * Calling it again changes the topics.
     *
     * @throws IllegalStateException when the consumer has no groupId, or has partitions from {@link #assign}.
     */
    public void subscribe(final Collection<String> topics, final ConsumerRebalanceListener listener)
    {
        ensureOpen();
        if (config.groupId() == null)
        {
            throw new IllegalStateException("subscribe needs a groupId in the consumer's config");
        }
        if (topics.isEmpty())
        {
            unsubscribe();
            return;
        }
        this.listener = listener;
        if (membership != null)
        {
            membership.topics(List.copyOf(topics));
            return;
        }
        if (!assigned.isEmpty())
        {
            throw new IllegalStateException("this consumer has assigned partitions: assign and subscribe are " +
                "exclusive (assign an empty list first)");
        }
        membership = new GroupMembership(runtime, config.groupId(), UUID.randomUUID().toString(), List.copyOf(topics),
            (int)config.sessionTimeout().toMillis(), config.requestTimeout().toNanos(),
            config.partitionAssignment() == ConsumerConfig.PartitionAssignment.CO_PARTITIONED,
            () -> completed.add(CompletedFetch.WAKEUP));
        nextAutoCommitNs = System.nanoTime() + config.autoCommitInterval().toNanos();
        runtime.addDuty(membership);
    }

    /**
     * {@link #subscribe(Collection, ConsumerRebalanceListener)} with a listener that does nothing.
     */
    public void subscribe(final Collection<String> topics)
    {
        subscribe(topics, ConsumerRebalanceListener.none());
    }

    /**
     * Leave the group: with auto-commit the positions are committed first, the listener is told every partition is
     * revoked, and the group moves them to the other members at once.
     */
    public void unsubscribe()
    {
        ensureOpen();
        if (membership == null)
        {
            return;
        }
        final GroupMembership leaving = membership;
        try
        {
            revoke(new ArrayList<>(assigned.keySet()));
        }
        finally
        {
            membership = null;
            assigned.clear();
            awaitQuietly(leaving.leave(), Math.min(config.requestTimeout().toMillis(), 5000));
            runtime.removeDuty(leaving);
        }
    }

    /**
     * @return the id this consumer has in its group, or null when it is not subscribed.
     */
    public String memberId()
    {
        return membership == null ? null : membership.memberId();
    }

    /**
     * @return the group identity to pass to {@link Transaction#sendOffsets}: fenced by this member's epoch when
     *         subscribed, unfenced when partitions are assigned by hand; null when the consumer has no group.
     */
    public ConsumerGroupMetadata groupMetadata()
    {
        final GroupMembership current = membership;
        if (current != null)
        {
            return new ConsumerGroupMetadata(config.groupId(), current.memberId(), current.epoch());
        }
        return config.groupId() == null ? null : ConsumerGroupMetadata.of(config.groupId());
    }

    public Set<TopicPartition> assignment()
    {
        return Set.copyOf(assigned.keySet());
    }

    /**
     * Read every partition of a topic from now on, in addition to what is assigned.
     */
    public void assignAll(final String topic)
    {
        ensureOpen();
        final int count = requests.await(requests.metadata(List.of(topic))).get(topic).partitions().size();
        final List<TopicPartition> partitions = new ArrayList<>(assigned.keySet());
        for (int p = 0; p < count; p++)
        {
            partitions.add(new TopicPartition(topic, p));
        }
        assign(partitions);
    }

    public void seek(final TopicPartition partition, final long offset)
    {
        if (offset < 0)
        {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        state(partition).seek(offset);
    }

    public void seekToBeginning(final Collection<TopicPartition> partitions)
    {
        for (final TopicPartition tp : partitions)
        {
            state(tp).seek(requests.await(requests.listOffset(tp, OffsetSpec.EARLIEST, 0)));
        }
    }

    public void seekToEnd(final Collection<TopicPartition> partitions)
    {
        for (final TopicPartition tp : partitions)
        {
            state(tp).seek(requests.await(requests.listOffset(tp, OffsetSpec.LATEST, 0)));
        }
    }

    /**
     * Position each partition at its first record with a timestamp at or after {@code timestampMs}, or at its end
     * when there is none.
     */
    public void seekToTimestamp(final Collection<TopicPartition> partitions, final long timestampMs)
    {
        for (final TopicPartition tp : partitions)
        {
            final long offset = requests.await(requests.listOffset(tp, OffsetSpec.TIMESTAMP, timestampMs));
            state(tp).seek(offset >= 0 ? offset : requests.await(requests.listOffset(tp, OffsetSpec.LATEST, 0)));
        }
    }

    /**
     * @return the offset of the next record poll will return for the partition, resolving it if need be.
     */
    public long position(final TopicPartition partition)
    {
        final PartitionState state = state(partition);
        if (state.position < 0)
        {
            resolvePositions();
        }
        return state.position;
    }

    /**
     * The lag as this consumer last heard it, without asking the cluster: how many offsets lie between its position
     * and the partition's end when the last fetch answered. Empty until a fetch at the current position answered, and
     * after a seek. Zero when that fetch found nothing to return.
     *
     * @throws IllegalStateException when the partition is not assigned.
     */
    public OptionalLong currentLag(final TopicPartition partition)
    {
        final PartitionState state = state(partition);
        if (state.endOffset < 0 || state.position < 0)
        {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, state.endOffset - state.position));
    }

    /**
     * Wait up to {@code timeout} for records of the assigned partitions.
     *
     * @return the records, possibly none; each partition's in offset order, following on from the last poll.
     * @throws TributaryException when a position cannot be resolved, or is out of range with reset NONE, or a
     *                            partition's topic is gone.
     */
    public ConsumerRecords<K, V> poll(final Duration timeout)
    {
        ensureOpen();
        final long deadline = System.nanoTime() + timeout.toNanos();
        final List<ConsumerRecord<K, V>> records = new ArrayList<>();
        while (true)
        {
            if (membership != null)
            {
                reconcile();
                maybeAutoCommit();
            }
            resolvePositions();
            sendFetches(deadline);
            final long remaining = deadline - System.nanoTime();
            CompletedFetch fetch;
            try
            {
                fetch = records.isEmpty() && remaining > 0 ?
                    completed.poll(remaining, TimeUnit.NANOSECONDS) : completed.poll();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new TributaryException(ErrorCode.CLOSED, "interrupted while polling", ex);
            }
            if (fetch == null)
            {
                return new ConsumerRecords<>(records);
            }
            handle(fetch, records);
            if (!records.isEmpty() && completed.isEmpty())
            {
                return new ConsumerRecords<>(records);
            }
        }
    }

    /**
     * Commit the positions of every assigned partition as the group's offsets, and wait for the cluster.
     */
    public void commitSync()
    {
        commitSync(positions(assigned.keySet()));
    }

    /**
     * Commit offsets for the group: each the offset of the next record to read.
     */
    public void commitSync(final Map<TopicPartition, Long> offsets)
    {
        ensureOpen();
        if (offsets.isEmpty())
        {
            return;
        }
        requests.await(commit(offsets));
    }

    /**
     * Commit the positions of every assigned partition without waiting.
     *
     * @return completed when the cluster has stored them, or exceptionally with a {@link TributaryException}.
     */
    public CompletableFuture<Void> commitAsync()
    {
        return commitAsync(positions(assigned.keySet()));
    }

    /**
     * Commit offsets for the group without waiting: each the offset of the next record to read.
     *
     * @return completed when the cluster has stored them, or exceptionally with a {@link TributaryException}
     *         (FENCED_MEMBER when this member no longer holds a partition).
     */
    public CompletableFuture<Void> commitAsync(final Map<TopicPartition, Long> offsets)
    {
        ensureOpen();
        if (offsets.isEmpty())
        {
            return CompletableFuture.completedFuture(null);
        }
        return commit(offsets);
    }

    /**
     * @return the group's committed offsets for the partitions; partitions without one are absent.
     */
    public Map<TopicPartition, Long> committed(final Collection<TopicPartition> partitions)
    {
        return requests.await(requests.committedOffsets(groupId(), partitions));
    }

    /**
     * Close the consumer; a subscribed one commits (with auto-commit) and leaves its group first.
     */
    public void close()
    {
        if (!closed)
        {
            try
            {
                unsubscribe();
            }
            catch (final RuntimeException ex)
            {
                System.getLogger(Consumer.class.getName()).log(System.Logger.Level.WARNING,
                    "leaving group " + config.groupId() + " on close failed: " + ex.getMessage());
            }
            finally
            {
                closed = true;
                runtime.release();
            }
        }
    }

    /**
     * Act on the latest assignment from the group: give up the partitions no longer ours (commit first with
     * auto-commit, then tell the listener), take the new ones, and tell the cluster what we hold.
     */
    private void reconcile()
    {
        final GroupMembership.Assignment latest = membership.assignment();
        if (latest.version() == seenAssignmentVersion)
        {
            return;
        }
        seenAssignmentVersion = latest.version();
        if (latest.lost())
        {
            final List<TopicPartition> lost = new ArrayList<>(assigned.keySet());
            assigned.clear();
            membership.owned(Set.of());
            if (!lost.isEmpty())
            {
                listener.onPartitionsLost(lost);
            }
            return;
        }
        final List<TopicPartition> revoked = new ArrayList<>();
        for (final TopicPartition tp : assigned.keySet())
        {
            if (!latest.partitions().contains(tp))
            {
                revoked.add(tp);
            }
        }
        revoke(revoked);
        final List<TopicPartition> added = new ArrayList<>();
        for (final TopicPartition tp : new TreeSet<>(latest.partitions()))
        {
            if (!assigned.containsKey(tp))
            {
                assigned.put(tp, new PartitionState(tp));
                added.add(tp);
            }
        }
        membership.owned(assigned.keySet());
        if (!added.isEmpty())
        {
            listener.onPartitionsAssigned(added);
        }
    }

    private void revoke(final List<TopicPartition> revoked)
    {
        if (revoked.isEmpty())
        {
            return;
        }
        try
        {
            if (config.enableAutoCommit())
            {
                final Map<TopicPartition, Long> offsets = positions(revoked);
                if (!offsets.isEmpty())
                {
                    requests.await(commit(offsets));
                }
            }
            listener.onPartitionsRevoked(revoked);
        }
        finally
        {
            revoked.forEach(assigned::remove);
            membership.owned(assigned.keySet());
        }
    }

    private void maybeAutoCommit()
    {
        if (config.enableAutoCommit() && System.nanoTime() - nextAutoCommitNs >= 0)
        {
            nextAutoCommitNs = System.nanoTime() + config.autoCommitInterval().toNanos();
            final Map<TopicPartition, Long> offsets = positions(assigned.keySet());
            if (!offsets.isEmpty())
            {
                // A failure (a partition moved meanwhile) is not the poller's concern: the next commit covers it.
                commit(offsets);
            }
        }
    }

    private Map<TopicPartition, Long> positions(final Collection<TopicPartition> partitions)
    {
        final Map<TopicPartition, Long> offsets = new TreeMap<>();
        for (final TopicPartition tp : partitions)
        {
            final PartitionState state = assigned.get(tp);
            if (state != null && state.position >= 0)
            {
                offsets.put(tp, state.position);
            }
        }
        return offsets;
    }

    private CompletableFuture<Void> commit(final Map<TopicPartition, Long> offsets)
    {
        if (membership != null)
        {
            return requests.groupCommit(membership.groupId(), membership.memberId(), membership.epoch(), offsets);
        }
        return requests.commitOffsets(groupId(), offsets);
    }

    private static void awaitQuietly(final CompletableFuture<Void> future, final long timeoutMs)
    {
        try
        {
            future.get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            // The cluster expires the member after its session timeout instead.
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private String groupId()
    {
        if (config.groupId() == null)
        {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "this consumer has no groupId to commit for");
        }
        return config.groupId();
    }

    private PartitionState state(final TopicPartition partition)
    {
        final PartitionState state = assigned.get(partition);
        if (state == null)
        {
            throw new IllegalStateException(partition + " is not assigned to this consumer");
        }
        return state;
    }

    private void resolvePositions()
    {
        final List<TopicPartition> unknown = new ArrayList<>();
        for (final PartitionState state : assigned.values())
        {
            if (state.position < 0)
            {
                unknown.add(state.tp);
            }
        }
        if (unknown.isEmpty())
        {
            return;
        }
        if (config.groupId() != null)
        {
            final Map<TopicPartition, Long> committed = committed(unknown);
            for (final Map.Entry<TopicPartition, Long> e : committed.entrySet())
            {
                assigned.get(e.getKey()).seek(e.getValue());
                unknown.remove(e.getKey());
            }
        }
        for (final TopicPartition tp : unknown)
        {
            reset(assigned.get(tp), "no committed offset");
        }
    }

    private void reset(final PartitionState state, final String why)
    {
        switch (config.autoOffsetReset())
        {
            case EARLIEST -> state.seek(requests.await(requests.listOffset(state.tp, OffsetSpec.EARLIEST, 0)));
            case LATEST -> state.seek(requests.await(requests.listOffset(state.tp, OffsetSpec.LATEST, 0)));
            default -> throw new TributaryException(ErrorCode.OFFSET_OUT_OF_RANGE,
                state.tp + ": " + why + " and autoOffsetReset is NONE");
        }
    }

    private void sendFetches(final long deadline)
    {
        final long remainingMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        final int maxWaitMs = (int)Math.min(remainingMs, config.fetchMaxWait().toMillis());
        for (final PartitionState state : assigned.values())
        {
            if (!state.fetchInFlight && state.position >= 0)
            {
                state.fetchInFlight = true;
                final long fetchOffset = state.position;
                final long epoch = state.epoch;
                runtime.fetchClient().fetch(state.tp.topic(), state.tp.partition(), fetchOffset,
                    config.fetchMaxBytes(), maxWaitMs, new FetchHandler(state.tp, fetchOffset, epoch));
            }
        }
    }

    private void handle(final CompletedFetch fetch, final List<ConsumerRecord<K, V>> records)
    {
        if (fetch == CompletedFetch.WAKEUP)
        {
            return;
        }
        final PartitionState state = assigned.get(fetch.tp);
        if (state == null)
        {
            return;
        }
        if (fetch.epoch == state.epoch)
        {
            state.fetchInFlight = false;
        }
        if (fetch.epoch != state.epoch || fetch.fetchOffset != state.position)
        {
            return;
        }
        if (fetch.errorCode != null)
        {
            switch (fetch.errorCode)
            {
                case OFFSET_OUT_OF_RANGE -> reset(state, fetch.errorMessage);
                case TIMEOUT, DISCONNECTED -> { }
                default -> throw new TributaryException(fetch.errorCode, fetch.errorMessage);
            }
            return;
        }

        final UnsafeBuffer buffer = fetch.records;
        if (buffer.capacity() == 0)
        {
            // Nothing at the position: caught up, whatever the end offset says (a compacted gap can end a log).
            state.endOffset = state.position;
            return;
        }
        state.endOffset = fetch.endOffset;
        int offset = 0;
        while (offset + RecordBatches.FIRST_RECORD_OFFSET <= buffer.capacity())
        {
            final int length = RecordBatches.batchLength(buffer, offset);
            if (length <= 0 || offset + length > buffer.capacity())
            {
                break;
            }
            // The node checked the CRC before sending; checking the structure here too means a broken or hostile
            // server gets a clear error, never a record decoded from bytes outside its batch.
            final String problem = RecordBatches.validate(buffer, offset, length);
            if (problem != null)
            {
                throw new TributaryException(ErrorCode.CORRUPT_BATCH, "the batch at offset " +
                    RecordBatches.baseOffset(buffer, offset) + " of " + fetch.tp + " from the cluster is malformed: " +
                    problem);
            }
            reader.wrap(buffer, offset, length);
            final long appendTime = reader.appendTime();
            while (reader.next())
            {
                final long recordOffset = reader.offset();
                if (recordOffset < state.position)
                {
                    continue;
                }
                records.add(new ConsumerRecord<>(fetch.tp.topic(), fetch.tp.partition(), recordOffset,
                    reader.timestamp(), appendTime, keyDeserializer.deserialize(reader.key()),
                    valueDeserializer.deserialize(reader.value()), reader.headers()));
                state.position = recordOffset + 1;
            }
            state.position = Math.max(state.position, reader.lastOffset() + 1);
            offset += length;
        }
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new TributaryException(ErrorCode.CLOSED, "consumer is closed");
        }
    }

    private static final class PartitionState
    {
        final TopicPartition tp;
        long position = -1;
        /** The partition's end offset as the last fetch answered at the current position told it; -1 unknown. */
        long endOffset = -1;
        long epoch;
        boolean fetchInFlight;

        PartitionState(final TopicPartition tp)
        {
            this.tp = tp;
        }

        void seek(final long offset)
        {
            position = offset;
            endOffset = -1;
            epoch++;
            fetchInFlight = false;
        }
    }

    /** @param records whole batches, back to back; read-only (possibly shared with other consumers). */
    private record CompletedFetch(
        TopicPartition tp, long fetchOffset, long epoch, ErrorCode errorCode, String errorMessage,
        UnsafeBuffer records, long endOffset)
    {
        private static final UnsafeBuffer NONE = new UnsafeBuffer(new byte[0]);
        /** Not a fetch: wakes a waiting poll because the group's assignment changed. */
        static final CompletedFetch WAKEUP = new CompletedFetch(null, -1, -1, null, null, NONE, -1);
    }

    /**
     * Runs on the conductor thread: hands the response's records to the polling thread, by reference when the
     * response is a shared copy, else copied out.
     */
    private final class FetchHandler implements ResponseHandler
    {
        private final TopicPartition tp;
        private final long fetchOffset;
        private final long epoch;

        FetchHandler(final TopicPartition tp, final long fetchOffset, final long epoch)
        {
            this.tp = tp;
            this.fetchOffset = fetchOffset;
            this.epoch = epoch;
        }

        public void onResponse(final DirectBuffer buffer, final int offset, final int length)
        {
            // Copied by the response's own length, never by a length field a broken server could set to 2 GiB.
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            onSharedResponse(new UnsafeBuffer(copy), 0, length);
        }

        public void onSharedResponse(final DirectBuffer buffer, final int offset, final int length)
        {
            final FetchResponseDecoder decoder = new FetchResponseDecoder()
                .wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
            final var code = decoder.errorCode();
            final String message = decoder.errorMessage();
            final long endOffset = decoder.endOffset();
            final UnsafeBuffer records = new UnsafeBuffer(0, 0);
            decoder.wrapRecords(records);
            complete(code, message, records, endOffset);
        }

        public void onFailure(final ErrorCode code, final String message)
        {
            completed.add(new CompletedFetch(tp, fetchOffset, epoch, code, message, CompletedFetch.NONE, -1));
        }

        private void complete(
            final io.tributary.log.internal.codecs.ErrorCode code, final String message, final UnsafeBuffer records,
            final long endOffset)
        {
            completed.add(new CompletedFetch(tp, fetchOffset, epoch,
                code == io.tributary.log.internal.codecs.ErrorCode.NONE ? null : ClusterRequests.errorCode(code),
                message, records, endOffset));
        }
    }
}
