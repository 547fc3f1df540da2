package io.tributary.log;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Records for any partitions of any topics, and optionally a consumer group's offsets, appended in one cluster log
 * entry: all of it is committed, or none of it. This is what gives sources, pipelines and connectors exactly-once
 * without a two-phase commit: write the outputs and the input position together.
 * <p>
 * Begin one with {@link Producer#beginTransaction()}, add records with {@link #send} and offsets with
 * {@link #sendOffsets}, then {@link #commit()}. Records are serialized and partitioned as the producer does;
 * the whole transaction must fit the producer's {@code maxRequestSize}.
 * <p>
 * Not thread-safe: one thread builds a transaction.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class Transaction<K, V>
{
    Transaction()
    {
    }

    /**
     * Add a record.
     *
     * @return this.
     * @throws TributaryException RECORD_TOO_LARGE when the transaction would no longer fit one request.
     * @throws IllegalStateException when the transaction was already committed.
     */
    public Transaction<K, V> send(final ProducerRecord<K, V> record)
    {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Commit a group's offsets with the records: each offset is the next one the group will read.
     *
     * @return this.
     */
    public Transaction<K, V> sendOffsets(final Map<TopicPartition, Long> offsets, final ConsumerGroupMetadata group)
    {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * @return records added so far.
     */
    public int recordCount()
    {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Send the transaction as one atomic append.
     *
     * @return completed with where each record was written, in the order they were added, once the cluster
     *         committed it; or exceptionally with a {@link TributaryException} saying why nothing was written
     *         (e.g. FENCED_MEMBER when the group member no longer holds a partition it commits).
     */
    public CompletableFuture<List<RecordMetadata>> commit()
    {
        throw new UnsupportedOperationException("not yet");
    }
}
