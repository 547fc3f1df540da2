package io.tributary.kafka;

import io.tributary.log.ErrorCode;
import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.ResponseHandler;
import io.tributary.log.internal.codecs.FetchResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.tributary.kafka.KafkaErrors.error;

/**
 * Fetch: each partition is one {@code FetchClient} fetch (whole Tributary batches from the one holding the offset,
 * long-polling up to max wait), converted to Kafka batches with the same offsets ({@link RecordConversion}).
 * <p>
 * Threading: {@link #handle} from the selector thread; answers complete on the client conductor thread.
 */
final class FetchHandler
{
    private final ClientRuntime runtime;
    private final TopicNames topicNames;
    private final GatewayAuthorizer authorizer;

    FetchHandler(final ClientRuntime runtime, final TopicNames topicNames, final GatewayAuthorizer authorizer)
    {
        this.runtime = runtime;
        this.topicNames = topicNames;
        this.authorizer = authorizer;
    }

    /**
     * @param principal who the connection authenticated as: partitions of topics it may not read are answered
     *                  TOPIC_AUTHORIZATION_FAILED, without records.
     */
    CompletableFuture<ApiMessage> handle(final FetchRequestData request, final String principal)
    {
        return topicNames.resolve(topicIds(request)).thenCompose(ignored -> fetch(request, principal));
    }

    private CompletableFuture<ApiMessage> fetch(final FetchRequestData request, final String principal)
    {
        final List<FetchRequestData.FetchTopic> topics = request.topics();
        final List<PartitionFetch> fetches = new ArrayList<>();
        int budget = request.maxBytes() <= 0 ? Integer.MAX_VALUE : request.maxBytes();
        for (final FetchRequestData.FetchTopic topic : topics)
        {
            final boolean byId = topic.topicId() != null && !Uuid.ZERO_UUID.equals(topic.topicId());
            final String name = byId ? topicNames.name(topic.topicId()) : topic.topic();
            final boolean readable = name == null || authorizer.mayReadTopic(principal, name);
            for (final FetchRequestData.FetchPartition p : topic.partitions())
            {
                final int maxBytes = Math.max(1, Math.min(p.partitionMaxBytes(), budget));
                budget = Math.max(1, budget - p.partitionMaxBytes());
                final PartitionFetch fetch = new PartitionFetch(
                    name, topic.topic(), topic.topicId(), p.partition(), p.fetchOffset(), maxBytes);
                if (name == null)
                {
                    fetch.answer = new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition()).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                        .setPreferredReadReplica(-1).setRecords(MemoryRecords.EMPTY);
                }
                else if (!readable)
                {
                    fetch.answer = new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                        .setPreferredReadReplica(-1).setRecords(MemoryRecords.EMPTY);
                }
                fetches.add(fetch);
            }
        }
        final CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        if (fetches.isEmpty())
        {
            return CompletableFuture.completedFuture(new FetchResponseData().setErrorCode(Errors.NONE.code())
                .setSessionId(0));
        }
        final FetchGather gather = new FetchGather(fetches, Math.max(1, request.minBytes()), result);
        final int maxWaitMs = Math.max(0, request.maxWaitMs());
        if (fetches.stream().allMatch(f -> f.answer != null))
        {
            gather.answer();
            return result;
        }
        for (final PartitionFetch fetch : fetches)
        {
            if (fetch.answer != null)
            {
                gather.preAnswered();
                continue;
            }
            runtime.fetchClient().fetch(fetch.topic, fetch.partition, fetch.offset, fetch.maxBytes, maxWaitMs,
                new ResponseHandler()
                {
                    public void onResponse(final DirectBuffer buffer, final int offset, final int length)
                    {
                        gather.onResponse(fetch, buffer, offset);
                    }

                    public void onFailure(final ErrorCode code, final String message)
                    {
                        gather.onFailure(fetch, code);
                    }
                });
        }
        return result;
    }

    private static final class PartitionFetch
    {
        /** The Tributary topic; null when the request's topic id is unknown. */
        final String topic;
        /** The topic as the request named it: by name (before v13) or by id. */
        final String requestName;
        final Uuid requestId;
        final int partition;
        final long offset;
        final int maxBytes;
        FetchResponseData.PartitionData answer;
        int bytes;

        PartitionFetch(final String topic, final String requestName, final Uuid requestId, final int partition,
            final long offset, final int maxBytes)
        {
            this.topic = topic;
            this.requestName = requestName;
            this.requestId = requestId;
            this.partition = partition;
            this.offset = offset;
            this.maxBytes = maxBytes;
        }
    }

    /**
     * Collects the partitions' answers of one Kafka fetch: answers once they hold {@code minBytes} or every
     * partition has answered (each fetch server waits at most max wait for data). Partitions still waiting then are
     * answered empty at their fetch offset.
     * <p>
     * Threading: the conductor thread, which calls every handler.
     */
    private static final class FetchGather
    {
        private final List<PartitionFetch> fetches;
        private final int minBytes;
        private final CompletableFuture<ApiMessage> result;
        private int answered;
        private int bytes;

        FetchGather(final List<PartitionFetch> fetches, final int minBytes, final CompletableFuture<ApiMessage> result)
        {
            this.fetches = fetches;
            this.minBytes = minBytes;
            this.result = result;
        }

        void onResponse(final PartitionFetch fetch, final DirectBuffer buffer, final int offset)
        {
            if (result.isDone())
            {
                return;
            }
            final FetchResponseDecoder decoder = new FetchResponseDecoder()
                .wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
            final io.tributary.log.internal.codecs.ErrorCode code = decoder.errorCode();
            decoder.partition();
            final long startOffset = decoder.startOffset();
            final long endOffset = decoder.endOffset();
            decoder.errorMessage();
            final int recordsLength = decoder.recordsLength();
            final int recordsOffset = decoder.limit() + FetchResponseDecoder.recordsHeaderLength();
            final FetchResponseData.PartitionData data = new FetchResponseData.PartitionData()
                .setPartitionIndex(fetch.partition)
                .setHighWatermark(endOffset)
                .setLastStableOffset(endOffset)
                .setLogStartOffset(startOffset)
                .setPreferredReadReplica(-1);
            if (code != io.tributary.log.internal.codecs.ErrorCode.NONE)
            {
                data.setErrorCode(error(ClusterRequests.errorCode(code)).code()).setRecords(MemoryRecords.EMPTY);
            }
            else
            {
                final MemoryRecords records = RecordConversion.toKafka(buffer, recordsOffset, recordsLength);
                data.setErrorCode(Errors.NONE.code()).setRecords(records);
                fetch.bytes = records.sizeInBytes();
                bytes += fetch.bytes;
            }
            fetch.answer = data;
            answered(fetch);
        }

        void onFailure(final PartitionFetch fetch, final ErrorCode code)
        {
            if (result.isDone())
            {
                return;
            }
            fetch.answer = new FetchResponseData.PartitionData()
                .setPartitionIndex(fetch.partition)
                .setErrorCode(code == ErrorCode.TIMEOUT || code == ErrorCode.DISCONNECTED ?
                    Errors.NOT_LEADER_OR_FOLLOWER.code() : error(code).code())
                .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setPreferredReadReplica(-1)
                .setRecords(MemoryRecords.EMPTY);
            answered(fetch);
        }

        /** A partition answered before any fetch went out (an unknown topic id). */
        void preAnswered()
        {
            answered++;
        }

        private void answered(final PartitionFetch fetch)
        {
            answered++;
            if (answered < fetches.size() && bytes < minBytes && fetch.answer.errorCode() == Errors.NONE.code())
            {
                return;
            }
            answer();
        }

        void answer()
        {
            final FetchResponseData response = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
            final Map<String, FetchResponseData.FetchableTopicResponse> byTopic = new LinkedHashMap<>();
            for (final PartitionFetch f : fetches)
            {
                final FetchResponseData.PartitionData data = f.answer != null ? f.answer :
                    new FetchResponseData.PartitionData()
                        .setPartitionIndex(f.partition).setErrorCode(Errors.NONE.code())
                        .setHighWatermark(f.offset).setLastStableOffset(f.offset).setLogStartOffset(-1)
                        .setPreferredReadReplica(-1).setRecords(MemoryRecords.EMPTY);
                byTopic.computeIfAbsent(f.requestName + "/" + f.requestId, t ->
                {
                    final FetchResponseData.FetchableTopicResponse topic =
                        new FetchResponseData.FetchableTopicResponse().setTopic(f.requestName).setTopicId(f.requestId);
                    response.responses().add(topic);
                    return topic;
                }).partitions().add(data);
            }
            result.complete(response);
        }
    }

    private static List<Uuid> topicIds(final FetchRequestData request)
    {
        final List<Uuid> ids = new ArrayList<>();
        request.topics().forEach(t -> TopicNames.addId(ids, t.topicId()));
        return ids;
    }
}
