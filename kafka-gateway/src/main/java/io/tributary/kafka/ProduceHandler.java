package io.tributary.kafka;

import io.tributary.log.ErrorCode;
import io.tributary.log.TopicPartition;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.security.SecurityView;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.tributary.kafka.KafkaErrors.error;
import static io.tributary.kafka.KafkaErrors.message;
import static io.tributary.kafka.KafkaErrors.tributaryCode;

/**
 * Produce: each Kafka batch becomes one Tributary batch ({@link RecordConversion}), appended through
 * {@link ClusterRequests#produce}, which the cluster deduplicates for idempotent producers.
 * <p>
 * Threading: {@link #handle} from the selector thread; answers complete on the client conductor thread.
 */
final class ProduceHandler
{
    /** Tributary batches of a produce request are sent in cluster requests of at most this many bytes. */
    private static final int MAX_CLUSTER_REQUEST_BYTES = 1024 * 1024;

    private final ClusterRequests requests;
    private final TopicNames topicNames;
    private final GatewayAuthorizer authorizer;
    /** Completed once the last produce request handed its batches to the cluster client. */
    private CompletableFuture<Void> lastProduceDispatched = CompletableFuture.completedFuture(null);

    ProduceHandler(final ClusterRequests requests, final TopicNames topicNames, final GatewayAuthorizer authorizer)
    {
        this.requests = requests;
        this.topicNames = topicNames;
        this.authorizer = authorizer;
    }

    /**
     * Produce requests reach the cluster in the order they arrived, even when one waits for a topic id to be
     * resolved: an idempotent producer's batches of a partition must arrive in sequence order.
     *
     * @param principal who the connection authenticated as: partitions of topics it may not write are refused
     *                  TOPIC_AUTHORIZATION_FAILED and none of their batches reaches the cluster.
     */
    CompletableFuture<ApiMessage> handle(final ProduceRequestData request, final String principal)
    {
        final CompletableFuture<Void> names = topicNames.resolve(topicIds(request));
        synchronized (this)
        {
            final CompletableFuture<CompletableFuture<ApiMessage>> dispatched =
                lastProduceDispatched.thenCombine(names, (a, b) -> produce(request, principal));
            lastProduceDispatched = dispatched.handle((ignored, ex) -> null);
            return dispatched.thenCompose(answer -> answer);
        }
    }

    private CompletableFuture<ApiMessage> produce(final ProduceRequestData request, final String principal)
    {
        final ProduceResponseData response = new ProduceResponseData();
        final List<ClusterRequests.PartitionBatch> batches = new ArrayList<>();
        // Per partition of the request, in order: its response and the index of its first batch (-1 for none).
        final List<ProduceResponseData.PartitionProduceResponse> outcomes = new ArrayList<>();
        final List<int[]> batchRanges = new ArrayList<>();
        if (request.transactionalId() != null)
        {
            return CompletableFuture.completedFuture(errorProduce(request, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                "transactions are not supported by the Tributary gateway"));
        }
        for (final ProduceRequestData.TopicProduceData topic : request.topicData())
        {
            final boolean byId = topic.topicId() != null && !Uuid.ZERO_UUID.equals(topic.topicId());
            final String name = byId ? topicNames.name(topic.topicId()) : topic.name();
            final ProduceResponseData.TopicProduceResponse topicResponse =
                new ProduceResponseData.TopicProduceResponse().setName(topic.name()).setTopicId(topic.topicId());
            response.responses().add(topicResponse);
            final boolean writable = name == null || authorizer.mayWriteTopic(principal, name);
            for (final ProduceRequestData.PartitionProduceData p : topic.partitionData())
            {
                final ProduceResponseData.PartitionProduceResponse out =
                    new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(p.index()).setErrorCode(Errors.NONE.code()).setBaseOffset(-1)
                        .setLogAppendTimeMs(-1).setLogStartOffset(-1);
                topicResponse.partitionResponses().add(out);
                outcomes.add(out);
                final int first = batches.size();
                if (name == null)
                {
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                    batchRanges.add(new int[] {-1, first});
                    continue;
                }
                if (!writable)
                {
                    out.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(SecurityView.denial(
                        principal, AclOperation.WRITE, AclResourceType.TOPIC, name));
                    batchRanges.add(new int[] {-1, first});
                    continue;
                }
                try
                {
                    final MemoryRecords records = (MemoryRecords)p.records();
                    for (final RecordConversion.Converted converted : RecordConversion.toTributary(records,
                        topicNames.maxMessageBytes(name)))
                    {
                        batches.add(new ClusterRequests.PartitionBatch(new TopicPartition(name, p.index()),
                            converted.buffer(), 0, converted.length()));
                    }
                }
                catch (final RecordTooLargeException ex)
                {
                    out.setErrorCode(Errors.MESSAGE_TOO_LARGE.code()).setErrorMessage(ex.getMessage());
                }
                catch (final CorruptRecordException ex)
                {
                    out.setErrorCode(Errors.CORRUPT_MESSAGE.code()).setErrorMessage(ex.getMessage());
                }
                catch (final RecordConversion.UnsupportedBatchException ex)
                {
                    out.setErrorCode(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT.code()).setErrorMessage(ex.getMessage());
                }
                catch (final RuntimeException ex)
                {
                    out.setErrorCode(Errors.CORRUPT_MESSAGE.code()).setErrorMessage(String.valueOf(ex.getMessage()));
                }
                if (out.errorCode() != Errors.NONE.code())
                {
                    batches.subList(first, batches.size()).clear();   // a refused partition sends none of its batches
                }
                batchRanges.add(new int[] {out.errorCode() == Errors.NONE.code() ? first : -1, batches.size()});
            }
        }

        // Split into cluster requests of bounded size, sent in order; a produce request holds one batch per partition
        // from a Kafka producer, so this only splits large requests of many partitions.
        final List<CompletableFuture<List<ClusterRequests.BatchOutcome>>> sent = new ArrayList<>();
        List<ClusterRequests.PartitionBatch> chunk = new ArrayList<>();
        int chunkBytes = 0;
        for (final ClusterRequests.PartitionBatch batch : batches)
        {
            if (!chunk.isEmpty() && chunkBytes + batch.length() > MAX_CLUSTER_REQUEST_BYTES)
            {
                sent.add(requests.produce(chunk));
                chunk = new ArrayList<>();
                chunkBytes = 0;
            }
            chunk.add(batch);
            chunkBytes += batch.length();
        }
        if (!chunk.isEmpty())
        {
            sent.add(requests.produce(chunk));
        }

        final CompletableFuture<ApiMessage> result = Futures.allOf(sent).handle((lists, ex) ->
        {
            final List<ClusterRequests.BatchOutcome> all = new ArrayList<>();
            if (lists != null)
            {
                lists.forEach(all::addAll);
            }
            for (int i = 0; i < outcomes.size(); i++)
            {
                final ProduceResponseData.PartitionProduceResponse out = outcomes.get(i);
                final int[] range = batchRanges.get(i);
                if (range[0] < 0 || range[0] == range[1])
                {
                    continue;
                }
                if (ex != null)
                {
                    out.setErrorCode(produceError(ex).code()).setErrorMessage(message(ex));
                    continue;
                }
                for (int b = range[0]; b < range[1]; b++)
                {
                    final ClusterRequests.BatchOutcome outcome = all.get(b);
                    if (outcome.error() != null)
                    {
                        out.setErrorCode(error(outcome.error()).code()).setErrorMessage(outcome.message());
                        break;
                    }
                    if (b == range[0])
                    {
                        out.setBaseOffset(outcome.baseOffset());
                    }
                }
            }
            return response;
        });
        // acks=0: the client expects no answer; it still goes after the commit like any other.
        return request.acks() == 0 ? result.thenApply(ignored -> null) : result;
    }

    private static ProduceResponseData errorProduce(final ProduceRequestData request, final Errors error, final String why)
    {
        final ProduceResponseData response = new ProduceResponseData();
        for (final ProduceRequestData.TopicProduceData topic : request.topicData())
        {
            final ProduceResponseData.TopicProduceResponse t =
                new ProduceResponseData.TopicProduceResponse().setName(topic.name());
            topic.partitionData().forEach(p -> t.partitionResponses().add(
                new ProduceResponseData.PartitionProduceResponse().setIndex(p.index()).setErrorCode(error.code())
                    .setErrorMessage(why).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1)));
            response.responses().add(t);
        }
        return response;
    }

    /**
     * An unknown outcome of a write (the cluster's leader changed, no answer in time) is told as NOT_LEADER so that
     * the Kafka producer refreshes metadata and retries; an idempotent producer's retry is deduplicated.
     */
    private static Errors produceError(final Throwable ex)
    {
        final ErrorCode code = tributaryCode(ex);
        return code == ErrorCode.DISCONNECTED || code == ErrorCode.TIMEOUT ? Errors.NOT_LEADER_OR_FOLLOWER : error(ex);
    }

    private static List<Uuid> topicIds(final ProduceRequestData request)
    {
        final List<Uuid> ids = new ArrayList<>();
        request.topicData().forEach(t -> TopicNames.addId(ids, t.topicId()));
        return ids;
    }
}
