package io.tributary.log;

import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.KeyPartitioner;
import io.tributary.log.internal.client.ProduceSender;
import io.tributary.log.internal.client.StickyPartitionSelector;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends records to topics. Records are batched per partition (by {@code linger} and {@code batchSize}) and several
 * partitions' batches travel in one request; a send completes once the cluster has committed it, with the record's
 * offset.
 * <p>
 * Partitioning, as Kafka's default: an explicit partition wins; else murmur2 of the key, so a key always lands
 * where a Kafka producer would put it; else one partition per batch, moving on when the batch is sent.
 * <p>
 * Thread-safe: share one producer between threads. Callbacks and futures complete on the client's I/O thread.
 *
 * @param <K> key type.
 * @param <V> value type.
 */
public final class Producer<K, V> implements AutoCloseable
{
    /** No topic has more partitions than the cluster allows; a larger explicit partition cannot exist. */
    private static final int MAX_PARTITIONS = 10_000;

    private final ProducerConfig config;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final ClientRuntime runtime;
    private final ClusterRequests requests;
    private final ProduceSender sender;
    private final StickyPartitionSelector sticky = new StickyPartitionSelector();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Producer(final ProducerConfig config, final Serializer<K> keySerializer, final Serializer<V> valueSerializer)
    {
        this.config = config;
        this.keySerializer = keySerializer;
        this.valueSerializer = valueSerializer;
        this.runtime = ClientRuntime.acquire(config.cluster(), config.credentials());
        this.requests = new ClusterRequests(runtime, config.maxBlock());
        this.sender = new ProduceSender(runtime, config.batchSize(), config.maxRequestSize(), config.bufferMemory(),
            config.linger(), config.requestTimeout(), config.maxBlock(), config.idempotence(), config.deliveryTimeout(),
            config.retryBackoff());
        runtime.addDuty(sender);
    }

    public static <K, V> Producer<K, V> create(
        final ProducerConfig config, final Serializer<K> keySerializer, final Serializer<V> valueSerializer)
    {
        return new Producer<>(config, keySerializer, valueSerializer);
    }

    /**
     * @return a producer of string keys and values.
     */
    public static Producer<String, String> create(final ProducerConfig config)
    {
        return new Producer<>(config, Serializer.string(), Serializer.string());
    }

    /**
     * Send a record.
     *
     * @return completed with where it was written once the cluster committed it, or exceptionally with a
     *         {@link TributaryException} saying why not.
     */
    public CompletableFuture<RecordMetadata> send(final ProducerRecord<K, V> record)
    {
        final CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        send(record, future, null);
        return future;
    }

    /**
     * Send a record and be called back when it completes.
     */
    public void send(final ProducerRecord<K, V> record, final Callback callback)
    {
        send(record, null, callback);
    }

    /**
     * Begin an atomic append of several records, and optionally a group's offsets. Records sent through the
     * transaction are ordered after every record this producer sent before {@link Transaction#commit()}.
     */
    public Transaction<K, V> beginTransaction()
    {
        if (closed)
        {
            throw new TributaryException(ErrorCode.CLOSED, "producer is closed");
        }
        return new Transaction<>(this, sender.newTransaction());
    }

    void appendTo(final ProduceSender.Txn txn, final ProducerRecord<K, V> record)
    {
        final byte[] key = keySerializer.serialize(record.key());
        final byte[] value = valueSerializer.serialize(record.value());
        final long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
        final int partition;
        if (record.partition() != null)
        {
            partition = record.partition();
            if (partition < 0 || partition >= MAX_PARTITIONS)
            {
                throw new TributaryException(ErrorCode.PARTITION_OUT_OF_RANGE,
                    "partition " + partition + " does not exist in topic '" + record.topic() + "'");
            }
        }
        else if (key != null)
        {
            partition = KeyPartitioner.partitionForKey(key, partitionCount(record.topic()));
        }
        else
        {
            partition = sticky.partition(record.topic(), partitionCount(record.topic()));
        }
        txn.append(new TopicPartition(record.topic(), partition), timestamp, key, value, record.headers());
    }

    CompletableFuture<List<RecordMetadata>> commit(final ProduceSender.Txn txn)
    {
        if (closed)
        {
            return CompletableFuture.failedFuture(new TributaryException(ErrorCode.CLOSED, "producer is closed"));
        }
        return sender.send(txn);
    }

    /**
     * Send every buffered record now and wait until each has completed.
     */
    public void flush()
    {
        sender.flush();
    }

    /**
     * @return the partition count of a topic, as the cluster reported it.
     * @throws TributaryException with UNKNOWN_TOPIC when there is no such topic.
     */
    public int partitionCount(final String topic)
    {
        final Integer known = partitionCounts.get(topic);
        if (known != null)
        {
            return known;
        }
        final int count = requests.await(requests.metadata(List.of(topic))).get(topic).partitions().size();
        partitionCounts.put(topic, count);
        return count;
    }

    /**
     * Send what is buffered, wait for it, and release the connection.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            sender.flush();
        }
        finally
        {
            sender.close();
            runtime.removeDuty(sender);
            runtime.release();
        }
    }

    private void send(
        final ProducerRecord<K, V> record, final CompletableFuture<RecordMetadata> future, final Callback callback)
    {
        try
        {
            if (closed)
            {
                throw new TributaryException(ErrorCode.CLOSED, "producer is closed");
            }
            final byte[] key = keySerializer.serialize(record.key());
            final byte[] value = valueSerializer.serialize(record.value());
            final long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
            if (record.partition() != null)
            {
                if (record.partition() < 0 || record.partition() >= MAX_PARTITIONS)
                {
                    throw new TributaryException(ErrorCode.PARTITION_OUT_OF_RANGE,
                        "partition " + record.partition() + " does not exist in topic '" + record.topic() + "'");
                }
                sender.append(record.topic(), record.partition(), timestamp, key, value, record.headers(), future,
                    callback);
            }
            else if (key != null)
            {
                final int partition = KeyPartitioner.partitionForKey(key, partitionCount(record.topic()));
                sender.append(record.topic(), partition, timestamp, key, value, record.headers(), future, callback);
            }
            else
            {
                final int partitions = partitionCount(record.topic());
                final int partition = sticky.partition(record.topic(), partitions);
                if (sender.append(record.topic(), partition, timestamp, key, value, record.headers(), future, callback))
                {
                    sticky.onNewBatch(record.topic(), partitions, partition);
                }
            }
        }
        catch (final TributaryException ex)
        {
            complete(future, callback, ex);
        }
        catch (final RuntimeException ex)
        {
            complete(future, callback, new TributaryException(ErrorCode.INVALID_REQUEST, ex.getMessage(), ex));
        }
    }

    private static void complete(
        final CompletableFuture<RecordMetadata> future, final Callback callback, final TributaryException ex)
    {
        if (future != null)
        {
            future.completeExceptionally(ex);
        }
        if (callback != null)
        {
            callback.onCompletion(null, ex);
        }
    }
}
