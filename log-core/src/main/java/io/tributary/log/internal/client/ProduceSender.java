package io.tributary.log.internal.client;

import io.tributary.log.Callback;
import io.tributary.log.ErrorCode;
import io.tributary.log.Header;
import io.tributary.log.RecordMetadata;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.cluster.ProducerStates;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.InitProducerIdRequestEncoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.ProduceRequestEncoder;
import io.tributary.log.internal.codecs.ProduceResponseDecoder;
import io.tributary.log.internal.record.RecordBatchBuilder;
import io.tributary.log.internal.record.RecordBatches;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The producer's record accumulator and sender. User threads append records to per-partition batches; the conductor
 * thread closes batches that are full or have lingered, packs ready batches of many partitions into one
 * {@code ProduceRequest} up to the request size, offers it to the cluster, and completes each record from the
 * response with baseOffset + its index in the batch.
 * <p>
 * Memory is bounded by {@code bufferMemory}: a send blocks up to {@code maxBlock} while more than that is waiting
 * to be acknowledged. Batches of a partition are sent in the order they were closed, and a session's requests are
 * applied in order, so records of a partition keep the order in which they were sent.
 * <p>
 * A transaction ({@link Txn}) is sent alone in one atomic request, after every batch that was closed before it was
 * handed over; a transaction whose outcome is unknown is sent again as a whole, in its place among the retries, and
 * the cluster answers its duplicate batches with their first outcome.
 * <p>
 * Threading: {@link #append}, {@link #send(Txn)}, {@link #flush} and {@link #close} from any thread; {@link #doWork}
 * on the conductor. A {@link Txn} is built by one thread.
 */
public final class ProduceSender implements ClientRuntime.Duty
{
    private static final int MAX_BATCHES_PER_REQUEST = 1024;
    private static final int MAX_INFLIGHT_REQUESTS = 64;
    /**
     * The cluster answers a resent batch with its first outcome only for a partition's last
     * {@link ProducerStates#REMEMBERED_BATCHES} batches: with more of a partition's batches in flight, one resent
     * after a failover could not be answered although it was written.
     */
    private static final int MAX_INFLIGHT_BATCHES_PER_PARTITION = ProducerStates.REMEMBERED_BATCHES;
    /**
     * A partition has at most this many requests on their way, each with at most a quarter of its in-flight batch
     * allowance: a busy partition always has several requests in flight (with all its batches in one request, the
     * next could leave only when that one was answered: one request per round trip), and a partition fed faster
     * than requests return gathers its records into fewer, fuller requests instead of one request per record, which
     * would only queue up behind each other in the cluster.
     */
    private static final int MAX_INFLIGHT_REQUESTS_PER_PARTITION = 4;
    private static final int MAX_BATCHES_PER_PARTITION_PER_REQUEST =
        MAX_INFLIGHT_BATCHES_PER_PARTITION / MAX_INFLIGHT_REQUESTS_PER_PARTITION;
    /** Each transaction is at least one batch of a partition; the same bound keeps them all answerable. */
    private static final int MAX_INFLIGHT_TRANSACTIONS = ProducerStates.REMEMBERED_BATCHES;

    private final ClientRuntime runtime;
    private final int batchSize;
    private final int maxRequestSize;
    private final long bufferMemory;
    private final long lingerNs;
    private final long requestTimeoutNs;
    private final boolean idempotent;
    private final long deliveryTimeoutNs;
    private final long retryBackoffNs;
    private final long maxBlockNs;
    /** Per topic, queues indexed by partition: found without allocating on the send path. */
    private final ConcurrentHashMap<String, PartitionQueue[]> queuesByTopic = new ConcurrentHashMap<>();
    /** Every queue, for the sender to visit; replaced whole when a queue is added. */
    private volatile PartitionQueue[] allQueues = new PartitionQueue[0];
    private final ArrayDeque<RecordBatchBuilder> builderPool = new ArrayDeque<>();
    /** Orders closed batches against transactions: a transaction goes after every batch closed before it. */
    private final AtomicLong closeCounter = new AtomicLong();
    private final ConcurrentLinkedQueue<Txn> transactions = new ConcurrentLinkedQueue<>();
    private final Object memoryLock = new Object();
    private long bufferedBytes;
    private long unacknowledgedRecords;
    private volatile boolean flushRequested;

    // Conductor state.
    private final ExpandableArrayBuffer requestBuffer = new ExpandableArrayBuffer(1024 * 1024 + 64 * 1024);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ProduceRequestEncoder requestEncoder = new ProduceRequestEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final ProduceResponseDecoder responseDecoder = new ProduceResponseDecoder();
    private final ArrayList<Batch> drained = new ArrayList<>();
    private PendingRequest pendingRequest;
    private long pendingCorrelationId;
    private int encodedLength;
    /** Batches and transactions to send again, by first send order. */
    private final TreeMap<Long, Sendable> retries = new TreeMap<>();
    private long nextSendOrder;
    private long producerId = -1;
    private boolean producerIdRequested;
    private long nextProducerIdAttemptNs;
    private int nextQueue;
    private int inflightRequests;
    private int inflightTransactions;

    public ProduceSender(
        final ClientRuntime runtime,
        final int batchSize,
        final int maxRequestSize,
        final long bufferMemory,
        final Duration linger,
        final Duration requestTimeout,
        final Duration maxBlock,
        final boolean idempotent,
        final Duration deliveryTimeout,
        final Duration retryBackoff)
    {
        this.idempotent = idempotent;
        this.deliveryTimeoutNs = deliveryTimeout.toNanos();
        this.retryBackoffNs = retryBackoff.toNanos();
        this.runtime = runtime;
        this.batchSize = batchSize;
        this.maxRequestSize = maxRequestSize;
        this.bufferMemory = bufferMemory;
        this.lingerNs = linger.toNanos();
        this.requestTimeoutNs = requestTimeout.toNanos();
        this.maxBlockNs = maxBlock.toNanos();
    }

    /**
     * Add a record to its partition's open batch, blocking while the buffer is full.
     *
     * @return true when the record's batch is now closed for sending: a producer without a key should move on to
     *         another partition.
     */
    public boolean append(
        final String topic,
        final int partition,
        final long timestamp,
        final byte[] key,
        final byte[] value,
        final List<Header> headers,
        final CompletableFuture<RecordMetadata> future,
        final Callback callback)
    {
        final int size = RecordBatches.encodedRecordSize(key, value, headers);
        if (size + RecordBatches.FIRST_RECORD_OFFSET > maxRequestSize)
        {
            throw new TributaryException(ErrorCode.RECORD_TOO_LARGE, "record of about " + size +
                " bytes is larger than the producer's maxRequestSize of " + maxRequestSize + " bytes");
        }
        reserve(size);

        final PartitionQueue queue = queue(topic, partition);
        final Completion completion = new Completion(future, callback, timestamp, size);
        synchronized (queue)
        {
            if (queue.open == null)
            {
                queue.open = new Batch(queue.tp, takeBuilder());
            }
            if (!queue.open.builder.tryAppend(timestamp, key, value, headers))
            {
                queue.closeOpen();
                queue.open = new Batch(queue.tp, takeBuilder());
                queue.open.builder.tryAppend(timestamp, key, value, headers);
            }
            queue.open.completions.add(completion);
            if (queue.open.builder.sizeInBytes() >= batchSize)
            {
                queue.closeOpen();
                return true;
            }
            return false;
        }
    }

    /**
     * Send everything buffered now and wait until every record sent so far has completed.
     */
    public void flush()
    {
        flushRequested = true;
        synchronized (memoryLock)
        {
            while (unacknowledgedRecords > 0)
            {
                flushRequested = true;
                try
                {
                    memoryLock.wait(10);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new TributaryException(ErrorCode.CLOSED, "interrupted while flushing", ex);
                }
            }
        }
        flushRequested = false;
    }

    /**
     * @return how many batches and transactions were failed: every one buffered (not those waiting to be sent
     *         again, which time out as usual).
     */
    private int failBuffered(final ErrorCode code, final String message)
    {
        final List<Batch> left = new ArrayList<>();
        for (final PartitionQueue queue : allQueues)
        {
            synchronized (queue)
            {
                queue.closeOpen();
                left.addAll(queue.ready);
                queue.ready.clear();
            }
        }
        for (final Batch batch : left)
        {
            fail(batch, code, message);
        }
        int failed = left.size();
        Txn txn;
        while ((txn = transactions.poll()) != null)
        {
            failTransaction(txn, code, message);
            failed++;
        }
        return failed;
    }

    /**
     * Fail what is still buffered; called once the producer is closing.
     */
    public void close()
    {
        final List<Batch> left = new ArrayList<>();
        for (final PartitionQueue queue : allQueues)
        {
            synchronized (queue)
            {
                queue.closeOpen();
                left.addAll(queue.ready);
                queue.ready.clear();
            }
        }
        for (final Batch batch : left)
        {
            fail(batch, ErrorCode.CLOSED, "producer closed before the record was sent");
        }
        Txn txn;
        while ((txn = transactions.poll()) != null)
        {
            failTransaction(txn, ErrorCode.CLOSED, "producer closed before the transaction was sent");
        }
    }

    public int doWork(final long nowNs)
    {
        int work = 0;
        final String refused = runtime.authenticationFailure();
        if (refused != null && pendingRequest == null && inflightRequests == 0 && retries.isEmpty())
        {
            // The cluster refused this client's credentials: sending later cannot succeed, so nothing waits.
            work += failBuffered(ErrorCode.AUTHENTICATION_FAILED, refused);
        }
        if (idempotent && producerId < 0)
        {
            return work + requestProducerId(nowNs);
        }
        if (pendingRequest != null)
        {
            work += offerPending(nowNs);
        }
        while (pendingRequest == null && inflightRequests < MAX_INFLIGHT_REQUESTS)
        {
            // Batches to send again go first, in their first order, and nothing new overtakes them.
            final boolean built = !retries.isEmpty() ? buildRetryRequest(nowNs) :
                transactionReady() ? buildTransactionRequest() : buildRequest(nowNs);
            if (!built)
            {
                break;
            }
            work += offerPending(nowNs) + 1;
        }
        return work;
    }

    private int requestProducerId(final long nowNs)
    {
        if (producerIdRequested || nowNs < nextProducerIdAttemptNs)
        {
            return 0;
        }
        producerIdRequested = true;
        final long correlationId = runtime.nextCorrelationId();
        final UnsafeBuffer request = new UnsafeBuffer(new byte[64]);
        final InitProducerIdRequestEncoder encoder = new InitProducerIdRequestEncoder()
            .wrapAndApplyHeader(request, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        runtime.sendToCluster(correlationId, request, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(),
            requestTimeoutNs, new ResponseHandler()
            {
                public void onResponse(final DirectBuffer buffer, final int offset, final int length)
                {
                    final InitProducerIdResponseDecoder decoder = new InitProducerIdResponseDecoder()
                        .wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
                    producerId = decoder.producerId();
                    producerIdRequested = false;
                }

                public void onFailure(final ErrorCode code, final String message)
                {
                    producerIdRequested = false;
                    nextProducerIdAttemptNs = System.nanoTime() + retryBackoffNs;
                    failExpiredWhileWaiting(code, message);
                }
            });
        return 1;
    }

    /**
     * While there is no producer id nothing can be sent: records past their delivery timeout fail meanwhile.
     */
    private void failExpiredWhileWaiting(final ErrorCode code, final String why)
    {
        // Refused credentials do not get better by waiting: everything waiting fails now.
        final boolean all = code == ErrorCode.AUTHENTICATION_FAILED;
        final ErrorCode failWith = all ? code : ErrorCode.TIMEOUT;
        final String prefix = all ? "" : "no producer id from the cluster within the delivery timeout: ";
        final long nowNs = System.nanoTime();
        for (final PartitionQueue queue : allQueues)
        {
            final List<Batch> expired = new ArrayList<>();
            synchronized (queue)
            {
                for (final Iterator<Batch> it = queue.ready.iterator(); it.hasNext(); )
                {
                    final Batch batch = it.next();
                    if (all || nowNs - batch.createdNs > deliveryTimeoutNs)
                    {
                        it.remove();
                        expired.add(batch);
                    }
                }
            }
            for (final Batch batch : expired)
            {
                fail(batch, failWith, prefix + why);
            }
        }
        for (final Iterator<Txn> it = transactions.iterator(); it.hasNext(); )
        {
            final Txn txn = it.next();
            if (all || nowNs - txn.createdNs > deliveryTimeoutNs)
            {
                it.remove();
                failTransaction(txn, failWith, prefix + why);
            }
        }
    }

    private boolean buildRequest(final long nowNs)
    {
        drained.clear();
        int requestBytes = 64;
        final boolean flushing = flushRequested;
        final PartitionQueue[] queues = allQueues;
        // Start where the last request stopped, so a busy partition cannot starve the others of request space.
        final int start = queues.length == 0 ? 0 : nextQueue % queues.length;
        for (int q = 0; q < queues.length; q++)
        {
            final int index = (start + q) % queues.length;
            nextQueue = index + 1;
            final PartitionQueue queue = queues[index];
            synchronized (queue)
            {
                if (queue.open != null && (flushing || nowNs - queue.open.createdNs >= lingerNs))
                {
                    queue.closeOpen();
                }
                int fromQueue = 0;
                while (!queue.ready.isEmpty() && drained.size() < MAX_BATCHES_PER_REQUEST &&
                    queue.inflightRequests < MAX_INFLIGHT_REQUESTS_PER_PARTITION &&
                    fromQueue < MAX_BATCHES_PER_PARTITION_PER_REQUEST &&
                    (!idempotent || queue.inflight < MAX_INFLIGHT_BATCHES_PER_PARTITION))
                {
                    final Batch next = queue.ready.peek();
                    final int size = next.length + partOverhead(next.tp);
                    if (!drained.isEmpty() && requestBytes + size > maxRequestSize)
                    {
                        break;
                    }
                    queue.ready.poll();
                    drained.add(next);
                    queue.inflight++;
                    fromQueue++;
                    requestBytes += size;
                }
            }
            if (requestBytes >= maxRequestSize || drained.size() >= MAX_BATCHES_PER_REQUEST)
            {
                break;
            }
        }
        if (drained.isEmpty())
        {
            return false;
        }

        for (final Batch batch : drained)
        {
            batch.sendOrder = nextSendOrder++;
            if (idempotent)
            {
                final PartitionQueue queue = queue(batch.tp.topic(), batch.tp.partition());
                batch.builder.stampProducer(producerId, queue.nextSequence);
                queue.nextSequence += batch.builder.recordCount();
            }
        }
        encode(drained.toArray(new Batch[0]));
        return true;
    }

    private boolean buildRetryRequest(final long nowNs)
    {
        final Sendable first = retries.firstEntry().getValue();
        if (nowNs < first.retryAtNs)
        {
            return false;
        }
        if (first instanceof Txn txn)
        {
            retries.pollFirstEntry();
            encodeTransaction(txn);
            return true;
        }
        drained.clear();
        int requestBytes = 64;
        while (!retries.isEmpty() && drained.size() < MAX_BATCHES_PER_REQUEST &&
            retries.firstEntry().getValue() instanceof Batch next)
        {
            final int size = next.length + partOverhead(next.tp);
            if (!drained.isEmpty() && requestBytes + size > maxRequestSize)
            {
                break;
            }
            retries.pollFirstEntry();
            drained.add(next);
            queue(next.tp.topic(), next.tp.partition()).inflight++;
            requestBytes += size;
        }
        encode(drained.toArray(new Batch[0]));
        return true;
    }

    private void encode(final Batch[] batches)
    {
        countRequest(batches, 1);
        encodeRequest(Arrays.asList(batches), false, Map.of(), "", "");
        pendingRequest = new PendingRequest(pendingCorrelationId, encodedLength, batches, null,
            System.nanoTime() + requestTimeoutNs);
    }

    /**
     * Encode a produce request into {@link #requestBuffer}, setting {@link #pendingCorrelationId} and
     * {@link #encodedLength}.
     */
    private void encodeRequest(
        final List<Batch> batches,
        final boolean atomic,
        final Map<TopicPartition, Long> offsets,
        final String groupId,
        final String memberId)
    {
        pendingCorrelationId = runtime.nextCorrelationId();
        requestEncoder.wrapAndApplyHeader(requestBuffer, 0, headerEncoder)
            .correlationId(pendingCorrelationId)
            .atomic(atomic ? BooleanType.TRUE : BooleanType.FALSE);
        final ProduceRequestEncoder.PartitionsEncoder partitions = requestEncoder.partitionsCount(batches.size());
        for (final Batch batch : batches)
        {
            partitions.next()
                .partition(batch.tp.partition())
                .topic(batch.tp.topic())
                .putBatch(batch.builder.buffer(), 0, batch.length);
        }
        final ProduceRequestEncoder.OffsetsEncoder offsetsEncoder = requestEncoder.offsetsCount(offsets.size());
        for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
        {
            offsetsEncoder.next().partition(e.getKey().partition()).offset(e.getValue()).topic(e.getKey().topic());
        }
        requestEncoder.groupId(groupId).memberId(memberId);
        encodedLength = MessageHeaderEncoder.ENCODED_LENGTH + requestEncoder.encodedLength();
    }

    /**
     * Start a transaction: records are added to it by one thread, then it is {@link #send(Txn) sent}.
     */
    public Txn newTransaction()
    {
        return new Txn();
    }

    /**
     * Hand a transaction over for sending: it goes after every batch closed so far, so after every record sent
     * before this call.
     */
    public CompletableFuture<List<RecordMetadata>> send(final Txn txn)
    {
        if (txn.sent)
        {
            throw new IllegalStateException("the transaction was already committed");
        }
        txn.sent = true;
        for (final Batch part : txn.parts)
        {
            part.length = part.builder.finish();
        }
        reserveTransaction(txn.bytes);
        for (final PartitionQueue queue : allQueues)
        {
            synchronized (queue)
            {
                queue.closeOpen();
            }
        }
        txn.mark = closeCounter.get();
        txn.createdNs = System.nanoTime();
        transactions.add(txn);
        return txn.future;
    }

    /**
     * @return true when the next transaction may go: no batch closed before it is still waiting to be sent.
     */
    private boolean transactionReady()
    {
        final Txn txn = transactions.peek();
        if (txn == null || inflightTransactions >= MAX_INFLIGHT_TRANSACTIONS)
        {
            return false;
        }
        if (idempotent)
        {
            for (final Batch part : txn.parts)
            {
                if (queue(part.tp.topic(), part.tp.partition()).inflight >= MAX_INFLIGHT_BATCHES_PER_PARTITION)
                {
                    return false;
                }
            }
        }
        for (final PartitionQueue queue : allQueues)
        {
            synchronized (queue)
            {
                final Batch head = queue.ready.peek();
                if (head != null && head.closeOrder <= txn.mark)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean buildTransactionRequest()
    {
        final Txn txn = transactions.poll();
        txn.sendOrder = nextSendOrder++;
        if (idempotent)
        {
            for (final Batch part : txn.parts)
            {
                final PartitionQueue queue = queue(part.tp.topic(), part.tp.partition());
                part.builder.stampProducer(producerId, queue.nextSequence);
                queue.nextSequence += part.builder.recordCount();
            }
        }
        encodeTransaction(txn);
        return true;
    }

    private void encodeTransaction(final Txn txn)
    {
        for (final Batch part : txn.parts)
        {
            queue(part.tp.topic(), part.tp.partition()).inflight++;
        }
        encodeRequest(txn.parts, true, txn.offsets, txn.groupId, txn.memberId);
        pendingRequest = new PendingRequest(pendingCorrelationId, encodedLength, new Batch[0], txn,
            System.nanoTime() + requestTimeoutNs);
    }

    private int offerPending(final long nowNs)
    {
        final PendingRequest request = pendingRequest;
        if (runtime.tryOfferToCluster(
            request.correlationId, requestBuffer, request.length, request.deadlineNs, new ResponseHandler()
            {
                public void onResponse(final DirectBuffer buffer, final int offset, final int length)
                {
                    inflightRequests--;
                    ended(request);
                    if (request.txn != null)
                    {
                        inflightTransactions--;
                        try
                        {
                            onTransactionResponse(request.txn, buffer, offset);
                        }
                        catch (final RuntimeException ex)
                        {
                            if (!request.txn.future.isDone())
                            {
                                failTransaction(request.txn, ErrorCode.UNKNOWN_ERROR,
                                    "could not read the cluster's answer to the transaction: " + ex);
                            }
                        }
                    }
                    else
                    {
                        onProduceResponse(request, buffer, offset);
                    }
                }

                public void onFailure(final ErrorCode code, final String message)
                {
                    inflightRequests--;
                    ended(request);
                    if (request.txn != null)
                    {
                        inflightTransactions--;
                        retryOrFail(request.txn, code, message);
                    }
                    for (final Batch batch : request.batches)
                    {
                        retryOrFail(batch, code, message);
                    }
                }
            }))
        {
            pendingRequest = null;
            inflightRequests++;
            if (request.txn != null)
            {
                inflightTransactions++;
            }
            return 1;
        }
        final String refused = runtime.authenticationFailure();
        if (refused != null)
        {
            pendingRequest = null;
            ended(request);
            if (request.txn != null)
            {
                retryOrFail(request.txn, ErrorCode.AUTHENTICATION_FAILED, refused);
            }
            for (final Batch batch : request.batches)
            {
                retryOrFail(batch, ErrorCode.AUTHENTICATION_FAILED, refused);
            }
            return 1;
        }
        if (nowNs - request.deadlineNs > 0)
        {
            pendingRequest = null;
            ended(request);
            if (request.txn != null)
            {
                retryOrFail(request.txn, ErrorCode.TIMEOUT, "transaction not sent in time: " +
                    runtime.connectionProblem());
            }
            for (final Batch batch : request.batches)
            {
                retryOrFail(batch, ErrorCode.TIMEOUT, "records not sent in time: " + runtime.connectionProblem());
            }
            return 1;
        }
        return 0;
    }

    /**
     * The request's batches are no longer in flight, whatever becomes of them.
     */
    private void ended(final PendingRequest request)
    {
        for (final Batch batch : request.batches)
        {
            queue(batch.tp.topic(), batch.tp.partition()).inflight--;
        }
        countRequest(request.batches, -1);
        if (request.txn != null)
        {
            for (final Batch part : request.txn.parts)
            {
                queue(part.tp.topic(), part.tp.partition()).inflight--;
            }
        }
    }

    /**
     * Count a request in (1) or out (-1) of flight for the partitions it holds batches of: once per run of one
     * partition's batches, which is once per partition for a request of new batches (drained a partition at a time);
     * in and out count the same array, so they always balance.
     */
    private void countRequest(final Batch[] batches, final int delta)
    {
        for (int i = 0; i < batches.length; i++)
        {
            if (0 == i || !batches[i - 1].tp.equals(batches[i].tp))
            {
                queue(batches[i].tp.topic(), batches[i].tp.partition()).inflightRequests += delta;
            }
        }
    }

    /**
     * A batch whose outcome is unknown (connection lost, leader changed, no answer) or that arrived out of sequence
     * is sent again when the producer is idempotent — the cluster answers a batch it already has with its first
     * outcome — until its delivery timeout; otherwise it fails with the error.
     */
    private void retryOrFail(final Batch batch, final ErrorCode code, final String message)
    {
        if (!scheduleRetry(batch, code))
        {
            fail(batch, code, withAttempts(batch, message));
        }
    }

    private void retryOrFail(final Txn txn, final ErrorCode code, final String message)
    {
        if (!scheduleRetry(txn, code))
        {
            failTransaction(txn, code, withAttempts(txn, message));
        }
    }

    /**
     * @return true when it is to be sent again: an idempotent producer, a retriable error, within the delivery timeout.
     */
    private boolean scheduleRetry(final Sendable sendable, final ErrorCode code)
    {
        final long nowNs = System.nanoTime();
        if (idempotent && code.isRetriable() && nowNs - sendable.createdNs < deliveryTimeoutNs)
        {
            sendable.attempts++;
            sendable.retryAtNs = nowNs + (code == ErrorCode.OUT_OF_ORDER_SEQUENCE ? retryBackoffNs : 0);
            retries.put(sendable.sendOrder, sendable);
            return true;
        }
        return false;
    }

    private static String withAttempts(final Sendable sendable, final String message)
    {
        return sendable.attempts > 0 ? message + " (after " + (sendable.attempts + 1) + " attempts)" : message;
    }

    private void onTransactionResponse(final Txn txn, final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.templateId() != ProduceResponseDecoder.TEMPLATE_ID)
        {
            failTransaction(txn, ErrorCode.INVALID_REQUEST, "the cluster refused the transaction as malformed");
            return;
        }
        responseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final io.tributary.log.internal.codecs.ErrorCode requestCode = responseDecoder.errorCode();
        final long[] baseOffsets = new long[txn.parts.size()];
        final long[] appendTimes = new long[txn.parts.size()];
        io.tributary.log.internal.codecs.ErrorCode partCode = io.tributary.log.internal.codecs.ErrorCode.NONE;
        String partMessage = "";
        int i = 0;
        for (final ProduceResponseDecoder.PartitionsDecoder p : responseDecoder.partitions())
        {
            final io.tributary.log.internal.codecs.ErrorCode code = p.errorCode();
            baseOffsets[i] = p.baseOffset();
            appendTimes[i] = p.appendTime();
            p.topic();
            final String message = p.errorMessage();
            if (code != io.tributary.log.internal.codecs.ErrorCode.NONE &&
                partCode == io.tributary.log.internal.codecs.ErrorCode.NONE)
            {
                partCode = code;
                partMessage = message;
            }
            i++;
        }
        final String requestMessage = responseDecoder.errorMessage();
        if (requestCode != io.tributary.log.internal.codecs.ErrorCode.NONE)
        {
            retryOrFail(txn, ClusterRequests.errorCode(requestCode), requestMessage);
            return;
        }
        if (partCode != io.tributary.log.internal.codecs.ErrorCode.NONE || i != txn.parts.size())
        {
            retryOrFail(txn, ClusterRequests.errorCode(partCode), partMessage);
            return;
        }

        final List<RecordMetadata> written = new ArrayList<>(txn.slots.size());
        for (final long slot : txn.slots)
        {
            final int part = (int)(slot >>> 32);
            final int index = (int)slot;
            final Batch batch = txn.parts.get(part);
            written.add(new RecordMetadata(batch.tp.topic(), batch.tp.partition(), baseOffsets[part] + index,
                batch.completions.get(index).timestamp, appendTimes[part]));
        }
        releaseTransaction(txn);
        txn.future.complete(written);
    }

    private void failTransaction(final Txn txn, final ErrorCode code, final String message)
    {
        releaseTransaction(txn);
        txn.future.completeExceptionally(new TributaryException(code, message));
    }

    private void releaseTransaction(final Txn txn)
    {
        synchronized (memoryLock)
        {
            bufferedBytes -= txn.bytes;
            unacknowledgedRecords--;
            memoryLock.notifyAll();
        }
    }

    private void onProduceResponse(final PendingRequest request, final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.templateId() != ProduceResponseDecoder.TEMPLATE_ID)
        {
            for (final Batch batch : request.batches)
            {
                fail(batch, ErrorCode.INVALID_REQUEST, "the cluster refused the produce request as malformed");
            }
            return;
        }
        // Read the whole answer before acting on any of it: one that cannot be read, or answers other batches than
        // were sent, fails them all instead of completing some and leaving the others waiting forever.
        final int count = request.batches.length;
        final io.tributary.log.internal.codecs.ErrorCode[] codes = new io.tributary.log.internal.codecs.ErrorCode[count];
        final long[] baseOffsets = new long[count];
        final long[] appendTimes = new long[count];
        final String[] messages = new String[count];
        try
        {
            responseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
            final ProduceResponseDecoder.PartitionsDecoder partitions = responseDecoder.partitions();
            if (partitions.count() != count)
            {
                throw new IllegalArgumentException(
                    "it answers " + partitions.count() + " batches of the " + count + " sent");
            }
            int i = 0;
            for (final ProduceResponseDecoder.PartitionsDecoder p : partitions)
            {
                codes[i] = p.errorCode();
                baseOffsets[i] = p.baseOffset();
                appendTimes[i] = p.appendTime();
                p.topic();
                messages[i] = p.errorMessage();
                i++;
            }
        }
        catch (final RuntimeException ex)
        {
            for (final Batch batch : request.batches)
            {
                fail(batch, ErrorCode.UNKNOWN_ERROR, "could not read the cluster's answer to the produce request: " +
                    ex.getMessage());
            }
            return;
        }
        for (int i = 0; i < count; i++)
        {
            final Batch batch = request.batches[i];
            if (codes[i] == io.tributary.log.internal.codecs.ErrorCode.NONE)
            {
                succeed(batch, baseOffsets[i], appendTimes[i]);
            }
            else
            {
                retryOrFail(batch, ClusterRequests.errorCode(codes[i]), messages[i]);
            }
        }
    }

    private void succeed(final Batch batch, final long baseOffset, final long appendTime)
    {
        final List<Completion> completions = batch.completions;
        for (int i = 0; i < completions.size(); i++)
        {
            final Completion c = completions.get(i);
            final RecordMetadata metadata = new RecordMetadata(
                batch.tp.topic(), batch.tp.partition(), baseOffset + i, c.timestamp, appendTime);
            try
            {
                if (c.future != null)
                {
                    c.future.complete(metadata);
                }
                if (c.callback != null)
                {
                    c.callback.onCompletion(metadata, null);
                }
            }
            catch (final RuntimeException ignore)
            {
                // A user callback's failure must not lose the other records' completions.
            }
        }
        released(batch);
    }

    private void fail(final Batch batch, final ErrorCode code, final String message)
    {
        final TributaryException ex = new TributaryException(code, message);
        for (final Completion c : batch.completions)
        {
            try
            {
                if (c.future != null)
                {
                    c.future.completeExceptionally(ex);
                }
                if (c.callback != null)
                {
                    c.callback.onCompletion(null, ex);
                }
            }
            catch (final RuntimeException ignore)
            {
                // A user callback's failure must not lose the other records' completions.
            }
        }
        released(batch);
    }

    private void released(final Batch batch)
    {
        if (batch.builder != null)
        {
            returnBuilder(batch.builder);
            batch.builder = null;
        }
        long bytes = 0;
        for (final Completion c : batch.completions)
        {
            bytes += c.size;
        }
        synchronized (memoryLock)
        {
            bufferedBytes -= bytes;
            unacknowledgedRecords -= batch.completions.size();
            memoryLock.notifyAll();
        }
    }

    private void reserveTransaction(final int size)
    {
        reserve(size);
    }

    private void reserve(final int size)
    {
        final long deadline = System.nanoTime() + maxBlockNs;
        synchronized (memoryLock)
        {
            while (bufferedBytes + size > bufferMemory && bufferedBytes > 0)
            {
                final long remaining = deadline - System.nanoTime();
                if (remaining <= 0)
                {
                    throw new TributaryException(ErrorCode.TIMEOUT, "producer buffer of " + bufferMemory +
                        " bytes stayed full for the max block time: " + runtime.members() + " is not keeping up");
                }
                try
                {
                    memoryLock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new TributaryException(ErrorCode.CLOSED, "interrupted while waiting for buffer space", ex);
                }
            }
            bufferedBytes += size;
            unacknowledgedRecords++;
        }
    }

    /**
     * @return what one partition's entry (or one offset's) costs in a produce request besides its batch: its topic
     *         name and the fixed fields around it.
     */
    private static int partOverhead(final TopicPartition tp)
    {
        return tp.topic().length() + 16;
    }

    private PartitionQueue queue(final String topic, final int partition)
    {
        final PartitionQueue[] queues = queuesByTopic.get(topic);
        if (queues != null && partition < queues.length && queues[partition] != null)
        {
            return queues[partition];
        }
        synchronized (queuesByTopic)
        {
            final PartitionQueue[] current = queuesByTopic.get(topic);
            final PartitionQueue[] grown = current == null ? new PartitionQueue[partition + 1] :
                java.util.Arrays.copyOf(current, Math.max(current.length, partition + 1));
            if (grown[partition] == null)
            {
                grown[partition] = new PartitionQueue(new TopicPartition(topic, partition));
                final PartitionQueue[] all = java.util.Arrays.copyOf(allQueues, allQueues.length + 1);
                all[all.length - 1] = grown[partition];
                allQueues = all;
            }
            queuesByTopic.put(topic, grown);
            return grown[partition];
        }
    }

    private RecordBatchBuilder takeBuilder()
    {
        synchronized (builderPool)
        {
            final RecordBatchBuilder builder = builderPool.poll();
            return (builder != null ? builder : new RecordBatchBuilder(batchSize)).reset(-1, 0);
        }
    }

    private void returnBuilder(final RecordBatchBuilder builder)
    {
        synchronized (builderPool)
        {
            if (builderPool.size() < 256)
            {
                builderPool.add(builder);
            }
        }
    }

    private final class PartitionQueue
    {
        final TopicPartition tp;
        final ArrayDeque<Batch> ready = new ArrayDeque<>();
        Batch open;
        /** Conductor only: sequence number of the next record sent, for an idempotent producer. */
        int nextSequence;
        /** Conductor only: batches sent and not yet answered. */
        int inflight;
        /** Conductor only: requests holding batches of this partition sent and not yet answered. */
        int inflightRequests;

        PartitionQueue(final TopicPartition tp)
        {
            this.tp = tp;
        }

        /** Caller holds this queue's lock. */
        void closeOpen()
        {
            if (open != null && open.builder.recordCount() > 0)
            {
                open.length = open.builder.finish();
                open.closeOrder = closeCounter.incrementAndGet();
                ready.add(open);
            }
            open = null;
        }
    }

    /**
     * What goes in one piece and is retried in its place: a batch, or a whole transaction.
     */
    private abstract static class Sendable
    {
        long createdNs;
        /** Conductor only: order of first sending, which retries keep. */
        long sendOrder;
        int attempts;
        long retryAtNs;
    }

    private static final class Batch extends Sendable
    {
        final TopicPartition tp;
        final ArrayList<Completion> completions = new ArrayList<>();
        RecordBatchBuilder builder;
        int length;
        long closeOrder;
        /** For a part of a transaction: its place among the transaction's parts. */
        int indexInTransaction;

        Batch(final TopicPartition tp, final RecordBatchBuilder builder)
        {
            this.tp = tp;
            this.builder = builder;
            this.createdNs = System.nanoTime();
        }
    }

    private record Completion(CompletableFuture<RecordMetadata> future, Callback callback, long timestamp, int size)
    {
    }

    private record PendingRequest(long correlationId, int length, Batch[] batches, Txn txn, long deadlineNs)
    {
    }

    /**
     * A transaction being built: its records in batches (a partition gets another batch when one is full), the
     * group offsets it commits, and where each record went, by order of adding.
     */
    public final class Txn extends Sendable
    {
        final ArrayList<Batch> parts = new ArrayList<>();
        private final java.util.HashMap<TopicPartition, Batch> openParts = new java.util.HashMap<>();
        /** Per record added: its part index in the high 32 bits, its index in that part in the low 32. */
        final ArrayList<Long> slots = new ArrayList<>();
        final TreeMap<TopicPartition, Long> offsets = new TreeMap<>();
        final CompletableFuture<List<RecordMetadata>> future = new CompletableFuture<>();
        String groupId = "";
        String memberId = "";
        int bytes = 64;
        boolean sent;
        long mark;

        private Txn()
        {
        }

        /**
         * Add a record.
         *
         * @throws TributaryException RECORD_TOO_LARGE when the transaction would no longer fit one request.
         */
        public void append(
            final TopicPartition tp, final long timestamp, final byte[] key, final byte[] value,
            final List<Header> headers)
        {
            if (sent)
            {
                throw new IllegalStateException("the transaction was already committed");
            }
            final int size = RecordBatches.encodedRecordSize(key, value, headers);
            Batch part = openParts.get(tp);
            final int partBytes = part == null ? RecordBatches.FIRST_RECORD_OFFSET + partOverhead(tp) : 0;
            if (bytes + partBytes + size > maxRequestSize)
            {
                throw new TributaryException(ErrorCode.RECORD_TOO_LARGE, "the transaction would take " +
                    (bytes + partBytes + size) + " bytes, more than the producer's maxRequestSize of " +
                    maxRequestSize + " bytes: commit it and begin another");
            }
            if (part == null || !part.builder.tryAppend(timestamp, key, value, headers))
            {
                if (part != null)
                {
                    bytes += RecordBatches.FIRST_RECORD_OFFSET + partOverhead(tp);
                }
                part = new Batch(tp, new RecordBatchBuilder(maxRequestSize, 256));
                part.builder.tryAppend(timestamp, key, value, headers);
                part.indexInTransaction = parts.size();
                parts.add(part);
                openParts.put(tp, part);
            }
            bytes += partBytes + size;
            slots.add(((long)part.indexInTransaction << 32) | part.completions.size());
            part.completions.add(new Completion(null, null, timestamp, size));
        }

        /**
         * Commit these offsets of a group with the records; later calls add to or replace earlier ones.
         */
        public void offsets(final Map<TopicPartition, Long> offsets, final String groupId, final String memberId)
        {
            if (!this.groupId.isEmpty() && !this.groupId.equals(groupId))
            {
                throw new IllegalArgumentException("a transaction commits the offsets of one group, not '" +
                    this.groupId + "' and '" + groupId + "'");
            }
            this.groupId = groupId;
            this.memberId = memberId;
            for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
            {
                bytes += partOverhead(e.getKey());
                this.offsets.put(e.getKey(), e.getValue());
            }
        }

        public int recordCount()
        {
            return slots.size();
        }
    }
}
