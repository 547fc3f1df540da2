package io.tributary.log;

import io.tributary.log.internal.client.ProduceSender;

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
    private final Producer<K, V> producer;
    private final ProduceSender.Txn txn;

    Transaction(final Producer<K, V> producer, final ProduceSender.Txn txn)
    {
        this.producer = producer;
        this.txn = txn;
    }

    /**
     * Add a record, partitioned as {@link Producer#send} would: an explicit partition, else by key, else the
     * topic's current sticky partition.
     *
     * @return this.
     * @throws TributaryException RECORD_TOO_LARGE when the transaction would no longer fit one request, or
     *                            UNKNOWN_TOPIC when the topic does not exist.
     * @throws IllegalStateException when the transaction was already committed.
     */
    public Transaction<K, V> send(final ProducerRecord<K, V> record)
    {
        producer.appendTo(txn, record);
        return this;
    }

    /**
     * Commit a group's offsets with the records: each offset is the next one the group will read. Offsets of the
     * same partition given twice: the later wins.
     *
     * @return this.
     */
    public Transaction<K, V> sendOffsets(final Map<TopicPartition, Long> offsets, final ConsumerGroupMetadata group)
    {
        txn.offsets(offsets, group.groupId(), group.memberId());
        return this;
    }

    /**
     * @return records added so far.
     */
    public int recordCount()
    {
        return txn.recordCount();
    }

    /**
     * Send the transaction as one atomic append. It goes after every record this producer was sent before.
     *
     * @return completed with where each record was written, in the order they were added, once the cluster
     *         committed it; or exceptionally with a {@link TributaryException} saying why nothing was written
     *         (e.g. FENCED_MEMBER when the group member no longer holds a partition it commits).
     */
    public CompletableFuture<List<RecordMetadata>> commit()
    {
        return producer.commit(txn);
    }
}
