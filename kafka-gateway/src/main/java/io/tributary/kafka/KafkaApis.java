package io.tributary.kafka;

import io.tributary.log.ErrorCode;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicDescription;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.ResponseHandler;
import io.tributary.log.internal.codecs.FetchResponseDecoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import org.agrona.DirectBuffer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Answers each supported Kafka request from the Tributary cluster, through the same client runtime Tributary's own
 * producers and consumers use. Every method returns at once with a future of the response body.
 * <p>
 * The mapping (see docs/architecture.md, "Kafka gateway"): this gateway is the one broker and leads every
 * partition; topic ids are derived from Tributary's topic id; produce converts each Kafka batch into one Tributary
 * batch (producer id and base sequence kept, so the cluster's idempotence answers a duplicate with its first
 * offsets); fetch converts whole Tributary batches back; committed offsets are Tributary's group offsets.
 * <p>
 * Threading: {@link #handle} from the selector thread; futures complete on the client conductor thread.
 */
final class KafkaApis
{
    /** The first half of every topic id the gateway gives out ("tributar"); the second is Tributary's topic id. */
    static final long TOPIC_ID_TAG = 0x7472696275746172L;

    /** Versions handled, per API; anything else is answered UNSUPPORTED_VERSION. Groups are not here yet. */
    private static final Map<ApiKeys, short[]> VERSIONS = new EnumMap<>(ApiKeys.class);

    static
    {
        VERSIONS.put(ApiKeys.API_VERSIONS, new short[] {0, 4});
        VERSIONS.put(ApiKeys.METADATA, new short[] {1, 12});
        // Produce 13 and Fetch 13+ name topics by id, resolved through the cluster's topic ids.
        VERSIONS.put(ApiKeys.PRODUCE, new short[] {3, 13});
        VERSIONS.put(ApiKeys.FETCH, new short[] {4, 18});
        VERSIONS.put(ApiKeys.LIST_OFFSETS, new short[] {1, 6});
        VERSIONS.put(ApiKeys.CREATE_TOPICS, new short[] {2, 7});
        VERSIONS.put(ApiKeys.DESCRIBE_CONFIGS, new short[] {1, 4});
        VERSIONS.put(ApiKeys.INIT_PRODUCER_ID, new short[] {0, 5});
        VERSIONS.put(ApiKeys.FIND_COORDINATOR, new short[] {0, 5});
        VERSIONS.put(ApiKeys.OFFSET_COMMIT, new short[] {2, 9});
        VERSIONS.put(ApiKeys.OFFSET_FETCH, new short[] {1, 9});
    }

    private static final String CLUSTER_ID = "tributary-kafka-gateway";
    private static final Map<String, String> DEFAULT_CONFIGS =
        io.tributary.log.internal.cluster.TopicConfig.DEFAULT.toMap();
    /** Tributary batches of a produce request are sent in cluster requests of at most this many bytes. */
    private static final int MAX_CLUSTER_REQUEST_BYTES = 1024 * 1024;

    private final ClientRuntime runtime;
    private final ClusterRequests requests;
    private final KafkaGateway.Context ctx;
    private final IntSupplier port;
    /** Topic names by Tributary topic id: an id is never reused, so an entry never goes stale. */
    private final java.util.concurrent.ConcurrentHashMap<Long, String> topicNames =
        new java.util.concurrent.ConcurrentHashMap<>();
    /** Completed once the last produce request handed its batches to the cluster client. */
    private CompletableFuture<Void> lastProduceDispatched = CompletableFuture.completedFuture(null);

    KafkaApis(
        final ClientRuntime runtime, final ClusterRequests requests, final KafkaGateway.Context ctx, final IntSupplier port)
    {
        this.runtime = runtime;
        this.requests = requests;
        this.ctx = ctx;
        this.port = port;
    }

    boolean isSupported(final ApiKeys key, final short version)
    {
        final short[] range = VERSIONS.get(key);
        return range != null && version >= range[0] && version <= range[1];
    }

    ApiVersionsResponseData apiVersions()
    {
        final ApiVersionsResponseData data = new ApiVersionsResponseData().setErrorCode(Errors.NONE.code());
        for (final Map.Entry<ApiKeys, short[]> e : VERSIONS.entrySet())
        {
            data.apiKeys().add(new ApiVersionsResponseData.ApiVersion()
                .setApiKey(e.getKey().id).setMinVersion(e.getValue()[0]).setMaxVersion(e.getValue()[1]));
        }
        return data;
    }

    CompletableFuture<ApiMessage> handle(final RequestHeader header, final AbstractRequest request)
    {
        final short version = header.apiVersion();
        return switch (header.apiKey())
        {
            case API_VERSIONS -> CompletableFuture.completedFuture(apiVersions());
            case METADATA -> metadata((MetadataRequestData)request.data(), version);
            case CREATE_TOPICS -> createTopics((CreateTopicsRequestData)request.data());
            case DESCRIBE_CONFIGS -> describeConfigs((DescribeConfigsRequestData)request.data());
            case LIST_OFFSETS -> listOffsets((ListOffsetsRequestData)request.data());
            case INIT_PRODUCER_ID -> initProducerId((InitProducerIdRequestData)request.data());
            case PRODUCE -> produceInOrder((ProduceRequestData)request.data());
            case FETCH -> withTopicNames(fetchTopicIds((FetchRequestData)request.data()))
                .thenCompose(ignored -> fetch((FetchRequestData)request.data()));
            case FIND_COORDINATOR -> findCoordinator((FindCoordinatorRequestData)request.data(), version);
            case OFFSET_COMMIT -> offsetCommit((OffsetCommitRequestData)request.data());
            case OFFSET_FETCH -> offsetFetch((OffsetFetchRequestData)request.data(), version);
            default -> CompletableFuture.completedFuture(request.getErrorResponse(0,
                Errors.UNSUPPORTED_VERSION.exception()).data());
        };
    }

    /**
     * @return the Kafka topic id of a Tributary topic: stable, since Tributary's id is part of the replicated state,
     *         and new when a topic is deleted and created again.
     */
    static Uuid topicId(final long tributaryTopicId)
    {
        return new Uuid(TOPIC_ID_TAG, tributaryTopicId);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Metadata and topics

    /**
     * @return the name of the topic with this Kafka topic id, or null when unknown (to this gateway so far).
     */
    private String topicName(final Uuid id)
    {
        return id == null || id.getMostSignificantBits() != TOPIC_ID_TAG ? null :
            topicNames.get(id.getLeastSignificantBits());
    }

    /**
     * @return completed once every id given is in the name cache or known not to exist.
     */
    private CompletableFuture<Void> withTopicNames(final List<Uuid> ids)
    {
        boolean missing = false;
        for (final Uuid id : ids)
        {
            missing |= id.getMostSignificantBits() == TOPIC_ID_TAG && !topicNames.containsKey(id.getLeastSignificantBits());
        }
        if (!missing)
        {
            return CompletableFuture.completedFuture(null);
        }
        // A failed lookup leaves the ids unknown: those topics are answered UNKNOWN_TOPIC_ID.
        return requests.metadata(List.of()).handle((topics, ex) ->
        {
            if (topics != null)
            {
                topics.values().forEach(t -> topicNames.put(t.topicId(), t.name()));
            }
            return null;
        });
    }

    private static List<Uuid> fetchTopicIds(final FetchRequestData request)
    {
        final List<Uuid> ids = new ArrayList<>();
        request.topics().forEach(t -> addId(ids, t.topicId()));
        return ids;
    }

    private static List<Uuid> produceTopicIds(final ProduceRequestData request)
    {
        final List<Uuid> ids = new ArrayList<>();
        request.topicData().forEach(t -> addId(ids, t.topicId()));
        return ids;
    }

    private static void addId(final List<Uuid> ids, final Uuid id)
    {
        if (id != null && !Uuid.ZERO_UUID.equals(id))
        {
            ids.add(id);
        }
    }

    private CompletableFuture<ApiMessage> metadata(final MetadataRequestData request, final short version)
    {
        return requests.metadata(List.of()).thenApply(topics ->
        {
            topics.values().forEach(t -> topicNames.put(t.topicId(), t.name()));
            final MetadataResponseData response = new MetadataResponseData()
                .setClusterId(CLUSTER_ID)
                .setControllerId(ctx.nodeId());
            response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(ctx.nodeId()).setHost(ctx.advertisedHost()).setPort(port.getAsInt()).setRack(null));
            if (request.topics() == null)
            {
                topics.values().forEach(t -> response.topics().add(topicMetadata(t)));
            }
            else
            {
                for (final MetadataRequestData.MetadataRequestTopic wanted : request.topics())
                {
                    TopicDescription found = wanted.name() == null ? null : topics.get(wanted.name());
                    if (found == null && wanted.topicId() != null && !Uuid.ZERO_UUID.equals(wanted.topicId()))
                    {
                        found = topics.values().stream()
                            .filter(t -> topicId(t.topicId()).equals(wanted.topicId())).findFirst().orElse(null);
                    }
                    if (found != null)
                    {
                        response.topics().add(topicMetadata(found));
                    }
                    else
                    {
                        response.topics().add(new MetadataResponseData.MetadataResponseTopic()
                            .setName(wanted.name())
                            .setTopicId(wanted.topicId() == null ? Uuid.ZERO_UUID : wanted.topicId())
                            .setErrorCode(wanted.name() == null ? Errors.UNKNOWN_TOPIC_ID.code() :
                                Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                    }
                }
            }
            return response;
        });
    }

    private MetadataResponseData.MetadataResponseTopic topicMetadata(final TopicDescription topic)
    {
        final MetadataResponseData.MetadataResponseTopic result = new MetadataResponseData.MetadataResponseTopic()
            .setName(topic.name())
            .setTopicId(topicId(topic.topicId()))
            .setIsInternal(topic.name().startsWith("__"))
            .setErrorCode(Errors.NONE.code());
        for (final PartitionInfo p : topic.partitions())
        {
            // Every partition is led by this gateway, which forwards to the cluster: Kafka clients need not know
            // the cluster's nodes or its leader.
            result.partitions().add(new MetadataResponseData.MetadataResponsePartition()
                .setPartitionIndex(p.partition())
                .setLeaderId(ctx.nodeId())
                .setLeaderEpoch(0)
                .setReplicaNodes(List.of(ctx.nodeId()))
                .setIsrNodes(List.of(ctx.nodeId()))
                .setOfflineReplicas(List.of())
                .setErrorCode(Errors.NONE.code()));
        }
        return result;
    }

    private CompletableFuture<ApiMessage> createTopics(final CreateTopicsRequestData request)
    {
        final List<CompletableFuture<CreateTopicsResponseData.CreatableTopicResult>> results = new ArrayList<>();
        for (final CreateTopicsRequestData.CreatableTopic topic : request.topics())
        {
            final CreateTopicsResponseData.CreatableTopicResult result =
                new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name());
            if (!topic.assignments().isEmpty())
            {
                results.add(CompletableFuture.completedFuture(result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("replica assignments are not supported: Tributary replicates every partition " +
                        "to every node")));
                continue;
            }
            final Map<String, String> configs = new LinkedHashMap<>();
            topic.configs().forEach(c -> configs.put(c.name(), c.value()));
            final int partitions = topic.numPartitions() < 0 ? 1 : topic.numPartitions();
            final CompletableFuture<Void> created = request.validateOnly() ?
                CompletableFuture.failedFuture(new TributaryException(ErrorCode.INVALID_REQUEST,
                    "validateOnly is not supported by the Tributary gateway")) :
                requests.createTopic(topic.name(), partitions, configs);
            results.add(created
                .thenCompose(ignored -> requests.metadata(List.of(topic.name())))
                .handle((described, ex) ->
                {
                    if (ex != null)
                    {
                        final Errors error = error(ex);
                        return result.setErrorCode(error.code()).setErrorMessage(message(ex));
                    }
                    final TopicDescription d = described.get(topic.name());
                    result.setErrorCode(Errors.NONE.code())
                        .setTopicId(topicId(d.topicId()))
                        .setNumPartitions(d.partitions().size())
                        .setReplicationFactor((short)1);
                    final List<CreateTopicsResponseData.CreatableTopicConfigs> configsOut = new ArrayList<>();
                    d.configs().forEach((k, v) -> configsOut.add(new CreateTopicsResponseData.CreatableTopicConfigs()
                        .setName(k).setValue(v).setReadOnly(false).setConfigSource(configSource(k, v))
                        .setIsSensitive(false)));
                    return result.setConfigs(configsOut);
                }));
        }
        return allOf(results).thenApply(list ->
        {
            final CreateTopicsResponseData response = new CreateTopicsResponseData();
            list.forEach(r -> response.topics().add(r));
            return response;
        });
    }

    /**
     * Tributary keeps every config of a topic, defaults included: a value equal to the default is reported as the
     * default (as Kafka reports configs never set), any other as the topic's own.
     */
    private static byte configSource(final String name, final String value)
    {
        return value.equals(DEFAULT_CONFIGS.get(name)) ? DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG.id() :
            DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG.id();
    }

    private CompletableFuture<ApiMessage> describeConfigs(final DescribeConfigsRequestData request)
    {
        final List<CompletableFuture<DescribeConfigsResponseData.DescribeConfigsResult>> results = new ArrayList<>();
        for (final DescribeConfigsRequestData.DescribeConfigsResource resource : request.resources())
        {
            final DescribeConfigsResponseData.DescribeConfigsResult result =
                new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            if (resource.resourceType() != org.apache.kafka.common.config.ConfigResource.Type.TOPIC.id())
            {
                // Brokers and others have no configs to show through the gateway.
                results.add(CompletableFuture.completedFuture(result.setErrorCode(Errors.NONE.code())));
                continue;
            }
            final Set<String> keys = resource.configurationKeys() == null ? null : Set.copyOf(resource.configurationKeys());
            results.add(requests.metadata(List.of(resource.resourceName())).handle((described, ex) ->
            {
                if (ex != null)
                {
                    return result.setErrorCode(error(ex).code()).setErrorMessage(message(ex));
                }
                described.get(resource.resourceName()).configs().forEach((k, v) ->
                {
                    if (keys == null || keys.contains(k))
                    {
                        result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                            .setName(k).setValue(v).setReadOnly(false).setConfigSource(configSource(k, v))
                            .setIsSensitive(false));
                    }
                });
                return result.setErrorCode(Errors.NONE.code());
            }));
        }
        return allOf(results).thenApply(list ->
        {
            final DescribeConfigsResponseData response = new DescribeConfigsResponseData();
            response.results().addAll(list);
            return response;
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Offsets

    private CompletableFuture<ApiMessage> listOffsets(final ListOffsetsRequestData request)
    {
        final List<CompletableFuture<ListOffsetsResponseData.ListOffsetsTopicResponse>> topics = new ArrayList<>();
        for (final ListOffsetsRequestData.ListOffsetsTopic topic : request.topics())
        {
            final List<CompletableFuture<ListOffsetsResponseData.ListOffsetsPartitionResponse>> partitions =
                new ArrayList<>();
            for (final ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions())
            {
                partitions.add(listOffset(topic.name(), p.partitionIndex(), p.timestamp()));
            }
            topics.add(allOf(partitions).thenApply(list ->
                new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name()).setPartitions(list)));
        }
        return allOf(topics).thenApply(list -> new ListOffsetsResponseData().setTopics(list));
    }

    private CompletableFuture<ListOffsetsResponseData.ListOffsetsPartitionResponse> listOffset(
        final String topic, final int partition, final long timestamp)
    {
        final ListOffsetsResponseData.ListOffsetsPartitionResponse result =
            new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(partition).setLeaderEpoch(0);
        final OffsetSpec spec;
        if (timestamp == -1L)
        {
            spec = OffsetSpec.LATEST;
        }
        else if (timestamp == -2L || timestamp == -4L)
        {
            spec = OffsetSpec.EARLIEST;
        }
        else if (timestamp >= 0)
        {
            spec = OffsetSpec.TIMESTAMP;
        }
        else
        {
            return CompletableFuture.completedFuture(result.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        final CompletableFuture<ListOffsetsResponseData.ListOffsetsPartitionResponse> future =
            new CompletableFuture<>();
        runtime.fetchClient().listOffsets(topic, partition, spec, Math.max(0, timestamp),
            ctx.requestTimeout().toNanos(), new ResponseHandler()
            {
                public void onResponse(final DirectBuffer buffer, final int offset, final int length)
                {
                    final ListOffsetsResponseDecoder decoder = new ListOffsetsResponseDecoder()
                        .wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
                    final io.tributary.log.internal.codecs.ErrorCode code = decoder.errorCode();
                    final long resultOffset = decoder.resultOffset();
                    final long resultTimestamp = decoder.timestamp();
                    if (code != io.tributary.log.internal.codecs.ErrorCode.NONE)
                    {
                        future.complete(result.setErrorCode(error(ClusterRequests.errorCode(code)).code()));
                        return;
                    }
                    result.setErrorCode(Errors.NONE.code()).setOffset(resultOffset)
                        .setTimestamp(spec == OffsetSpec.TIMESTAMP && resultOffset >= 0 ? resultTimestamp : -1L);
                    future.complete(result);
                }

                public void onFailure(final ErrorCode code, final String message)
                {
                    future.complete(result.setErrorCode(error(code).code()));
                }
            });
        return future;
    }

    private CompletableFuture<ApiMessage> offsetCommit(final OffsetCommitRequestData request)
    {
        final OffsetCommitResponseData response = new OffsetCommitResponseData();
        final Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        request.topics().forEach(t -> t.partitions().forEach(p ->
            offsets.put(new TopicPartition(t.name(), p.partitionIndex()), p.committedOffset())));
        final CompletableFuture<Void> committed;
        if (request.generationIdOrMemberEpoch() >= 0 || !request.memberId().isEmpty())
        {
            // Group members' commits need the group APIs, which the gateway does not serve yet.
            committed = CompletableFuture.failedFuture(new TributaryException(ErrorCode.UNKNOWN_MEMBER,
                "consumer group membership is not supported by the Tributary gateway yet"));
        }
        else
        {
            committed = requests.commitOffsets(request.groupId(), offsets);
        }
        return committed.handle((ignored, ex) ->
        {
            final Errors error = ex == null ? Errors.NONE : commitError(ex);
            for (final OffsetCommitRequestData.OffsetCommitRequestTopic t : request.topics())
            {
                final OffsetCommitResponseData.OffsetCommitResponseTopic topic =
                    new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t.name());
                t.partitions().forEach(p -> topic.partitions().add(
                    new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
                response.topics().add(topic);
            }
            return response;
        });
    }

    private static Errors commitError(final Throwable ex)
    {
        final ErrorCode code = tributaryCode(ex);
        return code == ErrorCode.GROUP_NOT_EMPTY || code == ErrorCode.UNKNOWN_MEMBER ? Errors.UNKNOWN_MEMBER_ID :
            code == ErrorCode.FENCED_MEMBER ? Errors.ILLEGAL_GENERATION : error(ex);
    }

    private CompletableFuture<ApiMessage> offsetFetch(final OffsetFetchRequestData request, final short version)
    {
        if (version >= 8)
        {
            final List<CompletableFuture<OffsetFetchResponseData.OffsetFetchResponseGroup>> groups = new ArrayList<>();
            for (final OffsetFetchRequestData.OffsetFetchRequestGroup group : request.groups())
            {
                final Map<String, List<Integer>> wanted = group.topics() == null ? null : new LinkedHashMap<>();
                if (group.topics() != null)
                {
                    group.topics().forEach(t -> wanted.put(t.name(), t.partitionIndexes()));
                }
                groups.add(committed(group.groupId(), wanted).handle((offsets, ex) ->
                {
                    final OffsetFetchResponseData.OffsetFetchResponseGroup result =
                        new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(group.groupId());
                    if (ex != null)
                    {
                        return result.setErrorCode(error(ex).code());
                    }
                    offsets.forEach((topic, partitions) ->
                    {
                        final OffsetFetchResponseData.OffsetFetchResponseTopics t =
                            new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(topic);
                        partitions.forEach((p, offset) -> t.partitions().add(
                            new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                                .setPartitionIndex(p).setCommittedOffset(offset).setCommittedLeaderEpoch(-1)
                                .setMetadata("").setErrorCode(Errors.NONE.code())));
                        result.topics().add(t);
                    });
                    return result.setErrorCode(Errors.NONE.code());
                }));
            }
            return allOf(groups).thenApply(list -> new OffsetFetchResponseData().setGroups(list));
        }
        final Map<String, List<Integer>> wanted = request.topics() == null ? null : new LinkedHashMap<>();
        if (request.topics() != null)
        {
            request.topics().forEach(t -> wanted.put(t.name(), t.partitionIndexes()));
        }
        return committed(request.groupId(), wanted).handle((offsets, ex) ->
        {
            final OffsetFetchResponseData response = new OffsetFetchResponseData();
            if (ex != null)
            {
                return response.setErrorCode(error(ex).code());
            }
            offsets.forEach((topic, partitions) ->
            {
                final OffsetFetchResponseData.OffsetFetchResponseTopic t =
                    new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(topic);
                partitions.forEach((p, offset) -> t.partitions().add(
                    new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p).setCommittedOffset(offset).setCommittedLeaderEpoch(-1)
                        .setMetadata("").setErrorCode(Errors.NONE.code())));
                response.topics().add(t);
            });
            return response.setErrorCode(Errors.NONE.code());
        });
    }

    /**
     * @param wanted partitions by topic, or null for every partition the group committed.
     * @return committed offsets by topic and partition; -1 for a wanted partition without one.
     */
    private CompletableFuture<Map<String, Map<Integer, Long>>> committed(
        final String groupId, final Map<String, List<Integer>> wanted)
    {
        final List<TopicPartition> partitions = new ArrayList<>();
        if (wanted != null)
        {
            wanted.forEach((topic, list) -> list.forEach(p -> partitions.add(new TopicPartition(topic, p))));
        }
        return requests.committedOffsets(groupId, partitions).thenApply(offsets ->
        {
            final Map<String, Map<Integer, Long>> result = new LinkedHashMap<>();
            if (wanted != null)
            {
                partitions.forEach(tp -> result.computeIfAbsent(tp.topic(), k -> new LinkedHashMap<>())
                    .put(tp.partition(), offsets.getOrDefault(tp, -1L)));
            }
            else
            {
                offsets.forEach((tp, offset) -> result.computeIfAbsent(tp.topic(), k -> new LinkedHashMap<>())
                    .put(tp.partition(), offset));
            }
            return result;
        });
    }

    private CompletableFuture<ApiMessage> findCoordinator(final FindCoordinatorRequestData request, final short version)
    {
        final FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        // Groups are served by whichever gateway the client talks to: every one reaches the same cluster state.
        final boolean group = request.keyType() == 0;
        final Errors error = group ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
        if (version < 4)
        {
            response.setErrorCode(error.code()).setNodeId(group ? ctx.nodeId() : -1)
                .setHost(group ? ctx.advertisedHost() : "").setPort(group ? port.getAsInt() : -1);
        }
        else
        {
            for (final String key : request.coordinatorKeys())
            {
                response.coordinators().add(new FindCoordinatorResponseData.Coordinator()
                    .setKey(key).setErrorCode(error.code()).setNodeId(group ? ctx.nodeId() : -1)
                    .setHost(group ? ctx.advertisedHost() : "").setPort(group ? port.getAsInt() : -1));
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Producing

    private CompletableFuture<ApiMessage> initProducerId(final InitProducerIdRequestData request)
    {
        if (request.transactionalId() != null)
        {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setProducerId(-1)
                .setProducerEpoch((short)-1));
        }
        return requests.initProducerId().handle((id, ex) -> ex != null ?
            new InitProducerIdResponseData().setErrorCode(error(ex).code()).setProducerId(-1)
                .setProducerEpoch((short)-1) :
            new InitProducerIdResponseData().setErrorCode(Errors.NONE.code()).setProducerId(id)
                .setProducerEpoch((short)0));
    }

    /**
     * Produce requests reach the cluster in the order they arrived, even when one waits for a topic id to be
     * resolved: an idempotent producer's batches of a partition must arrive in sequence order.
     */
    private CompletableFuture<ApiMessage> produceInOrder(final ProduceRequestData request)
    {
        final CompletableFuture<Void> names = withTopicNames(produceTopicIds(request));
        synchronized (this)
        {
            final CompletableFuture<CompletableFuture<ApiMessage>> dispatched =
                lastProduceDispatched.thenCombine(names, (a, b) -> produce(request));
            lastProduceDispatched = dispatched.handle((ignored, ex) -> null);
            return dispatched.thenCompose(answer -> answer);
        }
    }

    private CompletableFuture<ApiMessage> produce(final ProduceRequestData request)
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
            final String name = byId ? topicName(topic.topicId()) : topic.name();
            final ProduceResponseData.TopicProduceResponse topicResponse =
                new ProduceResponseData.TopicProduceResponse().setName(topic.name()).setTopicId(topic.topicId());
            response.responses().add(topicResponse);
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
                try
                {
                    final MemoryRecords records = (MemoryRecords)p.records();
                    for (final RecordConversion.Converted converted : RecordConversion.toTributary(records))
                    {
                        batches.add(new ClusterRequests.PartitionBatch(new TopicPartition(name, p.index()),
                            converted.buffer(), 0, converted.length()));
                    }
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

        final CompletableFuture<ApiMessage> result = allOf(sent).handle((lists, ex) ->
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

    // ---------------------------------------------------------------------------------------------------------------
    // Fetching

    private CompletableFuture<ApiMessage> fetch(final FetchRequestData request)
    {
        final List<FetchRequestData.FetchTopic> topics = request.topics();
        final List<PartitionFetch> fetches = new ArrayList<>();
        int budget = request.maxBytes() <= 0 ? Integer.MAX_VALUE : request.maxBytes();
        for (final FetchRequestData.FetchTopic topic : topics)
        {
            final boolean byId = topic.topicId() != null && !Uuid.ZERO_UUID.equals(topic.topicId());
            final String name = byId ? topicName(topic.topicId()) : topic.topic();
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

    // ---------------------------------------------------------------------------------------------------------------
    // Errors

    static ErrorCode tributaryCode(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        return cause instanceof TributaryException te ? te.errorCode() : ErrorCode.UNKNOWN_ERROR;
    }

    static Errors error(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        if (cause instanceof ApiException)
        {
            return Errors.forException(cause);
        }
        return error(tributaryCode(cause));
    }

    static Errors error(final ErrorCode code)
    {
        return switch (code)
        {
            case UNKNOWN_TOPIC, PARTITION_OUT_OF_RANGE -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case INVALID_TOPIC -> Errors.INVALID_TOPIC_EXCEPTION;
            case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case RECORD_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case CORRUPT_BATCH -> Errors.CORRUPT_MESSAGE;
            case INVALID_REQUEST -> Errors.INVALID_REQUEST;
            case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case UNKNOWN_MEMBER -> Errors.UNKNOWN_MEMBER_ID;
            case FENCED_MEMBER -> Errors.ILLEGAL_GENERATION;
            case GROUP_NOT_EMPTY -> Errors.NON_EMPTY_GROUP;
            case UNKNOWN_GROUP -> Errors.GROUP_ID_NOT_FOUND;
            case TIMEOUT -> Errors.REQUEST_TIMED_OUT;
            case DISCONNECTED -> Errors.NETWORK_EXCEPTION;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    /**
     * @return the Kafka exception for a failure, for a whole request's error answer.
     */
    static Throwable kafkaException(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        return cause instanceof ApiException ? cause : error(cause).exception(message(cause));
    }

    private static String message(final Throwable ex)
    {
        final Throwable cause = unwrap(ex);
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    private static Throwable unwrap(final Throwable ex)
    {
        Throwable cause = ex;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause;
    }

    private static <T> CompletableFuture<List<T>> allOf(final List<CompletableFuture<T>> futures)
    {
        if (futures.isEmpty())
        {
            return CompletableFuture.completedFuture(Collections.emptyList());
        }
        final CompletableFuture<List<T>> all = new CompletableFuture<>();
        final AtomicInteger remaining = new AtomicInteger(futures.size());
        for (final CompletableFuture<T> future : futures)
        {
            future.whenComplete((value, ex) ->
            {
                if (remaining.decrementAndGet() == 0)
                {
                    final List<T> values = new ArrayList<>(futures.size());
                    for (final CompletableFuture<T> f : futures)
                    {
                        if (f.isCompletedExceptionally())
                        {
                            all.completeExceptionally(f.handle((v, e) -> e).join());
                            return;
                        }
                        values.add(f.join());
                    }
                    all.complete(values);
                }
            });
        }
        return all;
    }
}
