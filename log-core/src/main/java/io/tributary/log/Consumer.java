package io.tributary.log;

import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads records from assigned partitions, in offset order per partition, from any node's fetch server.
 * <p>
 * A partition's position is the offset of the next record {@link #poll} returns. It starts at the group's committed
 * offset when the consumer has a group and one was committed, else where {@code autoOffsetReset} says, unless set
 * with a {@code seek}. {@link #commitSync()} stores the positions as the group's committed offsets in the cluster.
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
    private boolean closed;

    private Consumer(
        final ConsumerConfig config, final Deserializer<K> keyDeserializer, final Deserializer<V> valueDeserializer)
    {
        this.config = config;
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
        this.runtime = ClientRuntime.acquire(config.cluster());
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
        assigned.keySet().retainAll(partitions);
        for (final TopicPartition tp : partitions)
        {
            assigned.computeIfAbsent(tp, PartitionState::new);
        }
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
        resolvePositions();
        final List<ConsumerRecord<K, V>> records = new ArrayList<>();
        while (true)
        {
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
        final Map<TopicPartition, Long> offsets = new TreeMap<>();
        for (final PartitionState state : assigned.values())
        {
            if (state.position >= 0)
            {
                offsets.put(state.tp, state.position);
            }
        }
        commitSync(offsets);
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
        requests.await(requests.commitOffsets(groupId(), offsets));
    }

    /**
     * @return the group's committed offsets for the partitions; partitions without one are absent.
     */
    public Map<TopicPartition, Long> committed(final Collection<TopicPartition> partitions)
    {
        return requests.await(requests.committedOffsets(groupId(), partitions));
    }

    public void close()
    {
        if (!closed)
        {
            closed = true;
            runtime.release();
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

        final UnsafeBuffer buffer = new UnsafeBuffer(fetch.records);
        int offset = 0;
        while (offset + RecordBatches.FIRST_RECORD_OFFSET <= buffer.capacity())
        {
            final int length = RecordBatches.batchLength(buffer, offset);
            if (length <= 0 || offset + length > buffer.capacity())
            {
                break;
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
        long epoch;
        boolean fetchInFlight;

        PartitionState(final TopicPartition tp)
        {
            this.tp = tp;
        }

        void seek(final long offset)
        {
            position = offset;
            epoch++;
            fetchInFlight = false;
        }
    }

    private record CompletedFetch(
        TopicPartition tp, long fetchOffset, long epoch, ErrorCode errorCode, String errorMessage, byte[] records)
    {
    }

    /** Runs on the conductor thread: copies what it needs out of the response and hands it to the polling thread. */
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
            final FetchResponseDecoder decoder = new FetchResponseDecoder()
                .wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
            final var code = decoder.errorCode();
            final String message = decoder.errorMessage();
            final byte[] records = new byte[decoder.recordsLength()];
            decoder.getRecords(records, 0, records.length);
            completed.add(new CompletedFetch(tp, fetchOffset, epoch,
                code == io.tributary.log.internal.codecs.ErrorCode.NONE ? null : ClusterRequests.errorCode(code),
                message, records));
        }

        public void onFailure(final ErrorCode code, final String message)
        {
            completed.add(new CompletedFetch(tp, fetchOffset, epoch, code, message, new byte[0]));
        }
    }
}
