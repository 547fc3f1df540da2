package io.tributary.kafka;

import io.tributary.log.ErrorCode;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicDescription;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.ResponseHandler;
import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.security.SecurityView;
import org.agrona.DirectBuffer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

import static io.tributary.kafka.KafkaErrors.error;
import static io.tributary.kafka.KafkaErrors.message;
import static io.tributary.kafka.KafkaErrors.tributaryCode;

/**
 * Answers each supported Kafka request from the Tributary cluster, through the same client runtime Tributary's own
 * producers and consumers use. Every method returns at once with a future of the response body.
 * <p>
 * The mapping (see docs/architecture.md, "Kafka gateway"): this gateway is the one broker and leads every
 * partition; topic ids are derived from Tributary's topic id ({@link TopicNames}); produce ({@link ProduceHandler})
 * converts each Kafka batch into one Tributary batch (producer id and base sequence kept, so the cluster's
 * idempotence answers a duplicate with its first offsets); fetch ({@link FetchHandler}) converts whole Tributary
 * batches back; committed offsets are Tributary's group offsets.
 * <p>
 * Threading: {@link #handle} from the selector thread; futures complete on the client conductor thread.
 */
final class KafkaApis
{
    /** Versions handled, per API; anything else is answered UNSUPPORTED_VERSION.  */
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
        VERSIONS.put(ApiKeys.DELETE_TOPICS, new short[] {1, 6});
        VERSIONS.put(ApiKeys.DESCRIBE_CONFIGS, new short[] {1, 4});
        VERSIONS.put(ApiKeys.INIT_PRODUCER_ID, new short[] {0, 5});
        VERSIONS.put(ApiKeys.FIND_COORDINATOR, new short[] {0, 5});
        VERSIONS.put(ApiKeys.OFFSET_COMMIT, new short[] {2, 9});
        VERSIONS.put(ApiKeys.OFFSET_FETCH, new short[] {1, 9});
        // Groups (GroupHandler): the consumer protocol, and the admin APIs kafka-consumer-groups uses.
        VERSIONS.put(ApiKeys.CONSUMER_GROUP_HEARTBEAT, new short[] {0, 1});
        VERSIONS.put(ApiKeys.JOIN_GROUP, new short[] {0, 9});
        VERSIONS.put(ApiKeys.SYNC_GROUP, new short[] {0, 5});
        VERSIONS.put(ApiKeys.HEARTBEAT, new short[] {0, 4});
        VERSIONS.put(ApiKeys.LEAVE_GROUP, new short[] {0, 5});
        VERSIONS.put(ApiKeys.LIST_GROUPS, new short[] {0, 5});
        VERSIONS.put(ApiKeys.DESCRIBE_GROUPS, new short[] {0, 5});
        VERSIONS.put(ApiKeys.CONSUMER_GROUP_DESCRIBE, new short[] {0, 1});
        // SASL (SaslAuthentication, answered by SocketServer): handshake v1 frames the mechanism's messages in
        // SaslAuthenticate requests (v0 would send them raw, outside Kafka's framing).
        VERSIONS.put(ApiKeys.SASL_HANDSHAKE, new short[] {1, 1});
        VERSIONS.put(ApiKeys.SASL_AUTHENTICATE, new short[] {0, 2});
    }

    private static final String CLUSTER_ID = "tributary-kafka-gateway";
    private static final Map<String, String> DEFAULT_CONFIGS =
        io.tributary.log.internal.cluster.TopicConfig.DEFAULT.toMap();

    private final ClientRuntime runtime;
    private final ClusterRequests requests;
    private final KafkaGateway.Context ctx;
    private final IntSupplier port;
    private final TopicNames topicNames;
    private final ProduceHandler produce;
    private final FetchHandler fetch;
    private final GroupHandler groups;
    private final ClassicGroups classicGroups;
    private final GatewayAuthorizer authorizer;

    KafkaApis(
        final ClientRuntime runtime, final ClusterRequests requests, final KafkaGateway.Context ctx, final IntSupplier port)
    {
        this.runtime = runtime;
        this.requests = requests;
        this.ctx = ctx;
        this.port = port;
        this.topicNames = new TopicNames(requests);
        this.authorizer = new GatewayAuthorizer(ctx.security());
        this.produce = new ProduceHandler(requests, topicNames, authorizer);
        this.fetch = new FetchHandler(runtime, topicNames, authorizer);
        this.groups = new GroupHandler(runtime, requests, topicNames, ctx.requestTimeout().toNanos());
        this.classicGroups = new ClassicGroups(runtime, groups);
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

    /**
     * @param principal who the connection authenticated as; null without security. Requests are checked against
     *                  the node's ACLs with it before anything is forwarded (see {@link GatewayAuthorizer}).
     */
    CompletableFuture<ApiMessage> handle(
        final RequestHeader header, final AbstractRequest request, final String principal)
    {
        final short version = header.apiVersion();
        final CompletableFuture<ApiMessage> groupRefusal = groupRefusal(request, principal);
        if (groupRefusal != null)
        {
            return groupRefusal;
        }
        return switch (header.apiKey())
        {
            case API_VERSIONS -> CompletableFuture.completedFuture(apiVersions());
            case METADATA -> metadata((MetadataRequestData)request.data(), version);
            case CREATE_TOPICS -> createTopics((CreateTopicsRequestData)request.data(), principal);
            case DELETE_TOPICS -> deleteTopics((DeleteTopicsRequestData)request.data(), version, principal);
            case DESCRIBE_CONFIGS -> describeConfigs((DescribeConfigsRequestData)request.data());
            case LIST_OFFSETS -> listOffsets((ListOffsetsRequestData)request.data(), principal);
            case INIT_PRODUCER_ID -> initProducerId((InitProducerIdRequestData)request.data());
            case PRODUCE -> produce.handle((ProduceRequestData)request.data(), principal);
            case FETCH -> fetch.handle((FetchRequestData)request.data(), principal);
            case FIND_COORDINATOR -> findCoordinator((FindCoordinatorRequestData)request.data(), version);
            case OFFSET_COMMIT -> offsetCommit((OffsetCommitRequestData)request.data(), principal);
            case OFFSET_FETCH -> offsetFetch((OffsetFetchRequestData)request.data(), version, principal);
            case CONSUMER_GROUP_HEARTBEAT -> groups.consumerGroupHeartbeat(
                (ConsumerGroupHeartbeatRequestData)request.data(), header.clientId());
            case JOIN_GROUP -> classicGroups.joinGroup((JoinGroupRequestData)request.data(), version,
                header.clientId());
            case SYNC_GROUP -> classicGroups.syncGroup((SyncGroupRequestData)request.data());
            case HEARTBEAT -> classicGroups.heartbeat((HeartbeatRequestData)request.data());
            case LEAVE_GROUP -> classicGroups.leaveGroup((LeaveGroupRequestData)request.data(), version);
            case LIST_GROUPS -> groups.listGroups((ListGroupsRequestData)request.data());
            case CONSUMER_GROUP_DESCRIBE -> groups.consumerGroupDescribe(
                (ConsumerGroupDescribeRequestData)request.data(), classicGroups::serves);
            case DESCRIBE_GROUPS -> groups.describeGroups((DescribeGroupsRequestData)request.data());
            default -> CompletableFuture.completedFuture(request.getErrorResponse(0,
                Errors.UNSUPPORTED_VERSION.exception()).data());
        };
    }

    /**
     * Group membership and group descriptions need {@code read} on the group, as in the cluster; a consumer-protocol
     * heartbeat also {@code read} on the topics it subscribes to. A request naming several groups is refused whole
     * when any of them is refused.
     *
     * @return the refusal, or null when the request may go on.
     */
    private CompletableFuture<ApiMessage> groupRefusal(final AbstractRequest request, final String principal)
    {
        if (!authorizer.enabled())
        {
            return null;
        }
        final List<String> groupIds = switch (request.apiKey())
        {
            case CONSUMER_GROUP_HEARTBEAT -> List.of(((ConsumerGroupHeartbeatRequestData)request.data()).groupId());
            case JOIN_GROUP -> List.of(((JoinGroupRequestData)request.data()).groupId());
            case SYNC_GROUP -> List.of(((SyncGroupRequestData)request.data()).groupId());
            case HEARTBEAT -> List.of(((HeartbeatRequestData)request.data()).groupId());
            case LEAVE_GROUP -> List.of(((LeaveGroupRequestData)request.data()).groupId());
            case DESCRIBE_GROUPS -> ((DescribeGroupsRequestData)request.data()).groups();
            case CONSUMER_GROUP_DESCRIBE -> ((ConsumerGroupDescribeRequestData)request.data()).groupIds();
            default -> List.<String>of();
        };
        for (final String group : groupIds)
        {
            if (!authorizer.mayReadGroup(principal, group))
            {
                return CompletableFuture.completedFuture(request.getErrorResponse(0,
                    Errors.GROUP_AUTHORIZATION_FAILED.exception(SecurityView.denial(
                        principal, AclOperation.READ, AclResourceType.GROUP, group))).data());
            }
        }
        if (request.data() instanceof ConsumerGroupHeartbeatRequestData d && d.subscribedTopicNames() != null)
        {
            for (final String topic : d.subscribedTopicNames())
            {
                if (!authorizer.mayReadTopic(principal, topic))
                {
                    return CompletableFuture.completedFuture(request.getErrorResponse(0,
                        Errors.TOPIC_AUTHORIZATION_FAILED.exception(SecurityView.denial(
                            principal, AclOperation.READ, AclResourceType.TOPIC, topic))).data());
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Metadata and topics

    private CompletableFuture<ApiMessage> metadata(final MetadataRequestData request, final short version)
    {
        return requests.metadata(List.of()).thenApply(topics ->
        {
            topicNames.remember(topics.values());
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
                            .filter(t -> TopicNames.topicId(t.topicId()).equals(wanted.topicId())).findFirst().orElse(null);
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
            .setTopicId(TopicNames.topicId(topic.topicId()))
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

    private CompletableFuture<ApiMessage> createTopics(final CreateTopicsRequestData request, final String principal)
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
            if (!authorizer.may(principal, AclOperation.CREATE, AclResourceType.TOPIC, topic.name()))
            {
                results.add(CompletableFuture.completedFuture(result
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(
                        SecurityView.denial(principal, AclOperation.CREATE, AclResourceType.TOPIC, topic.name()))));
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
                        .setTopicId(TopicNames.topicId(d.topicId()))
                        .setNumPartitions(d.partitions().size())
                        .setReplicationFactor((short)1);
                    final List<CreateTopicsResponseData.CreatableTopicConfigs> configsOut = new ArrayList<>();
                    d.configs().forEach((k, v) -> configsOut.add(new CreateTopicsResponseData.CreatableTopicConfigs()
                        .setName(k).setValue(v).setReadOnly(false).setConfigSource(configSource(k, v))
                        .setIsSensitive(false)));
                    return result.setConfigs(configsOut);
                }));
        }
        return Futures.allOf(results).thenApply(list ->
        {
            final CreateTopicsResponseData response = new CreateTopicsResponseData();
            list.forEach(r -> response.topics().add(r));
            return response;
        });
    }

    private CompletableFuture<ApiMessage> deleteTopics(
        final DeleteTopicsRequestData request, final short version, final String principal)
    {
        final List<Uuid> ids = new ArrayList<>();
        if (version >= 6)
        {
            request.topics().forEach(t -> TopicNames.addId(ids, t.topicId()));
        }
        return topicNames.resolve(ids).thenCompose(ignored ->
        {
            final List<CompletableFuture<DeleteTopicsResponseData.DeletableTopicResult>> results = new ArrayList<>();
            final List<String> names = new ArrayList<>();
            final List<Uuid> requestIds = new ArrayList<>();
            if (version >= 6)
            {
                for (final DeleteTopicsRequestData.DeleteTopicState t : request.topics())
                {
                    final boolean byId = t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId());
                    names.add(byId ? topicNames.name(t.topicId()) : t.name());
                    requestIds.add(t.topicId());
                }
            }
            else
            {
                names.addAll(request.topicNames());
                request.topicNames().forEach(n -> requestIds.add(Uuid.ZERO_UUID));
            }
            for (int i = 0; i < names.size(); i++)
            {
                final String name = names.get(i);
                final DeleteTopicsResponseData.DeletableTopicResult result =
                    new DeleteTopicsResponseData.DeletableTopicResult().setName(name).setTopicId(requestIds.get(i));
                if (name == null)
                {
                    results.add(CompletableFuture.completedFuture(
                        result.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
                    continue;
                }
                if (!authorizer.may(principal, AclOperation.DELETE, AclResourceType.TOPIC, name))
                {
                    results.add(CompletableFuture.completedFuture(result
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(
                            SecurityView.denial(principal, AclOperation.DELETE, AclResourceType.TOPIC, name))));
                    continue;
                }
                results.add(requests.deleteTopic(name).handle((deleted, ex) -> ex == null ?
                    result.setErrorCode(Errors.NONE.code()) :
                    result.setErrorCode(error(ex).code()).setErrorMessage(message(ex))));
            }
            return Futures.allOf(results).thenApply(list ->
            {
                final DeleteTopicsResponseData response = new DeleteTopicsResponseData();
                list.forEach(r -> response.responses().add(r));
                return (ApiMessage)response;
            });
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
        return Futures.allOf(results).thenApply(list ->
        {
            final DescribeConfigsResponseData response = new DescribeConfigsResponseData();
            response.results().addAll(list);
            return response;
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Offsets

    private CompletableFuture<ApiMessage> listOffsets(final ListOffsetsRequestData request, final String principal)
    {
        final List<CompletableFuture<ListOffsetsResponseData.ListOffsetsTopicResponse>> topics = new ArrayList<>();
        for (final ListOffsetsRequestData.ListOffsetsTopic topic : request.topics())
        {
            final List<CompletableFuture<ListOffsetsResponseData.ListOffsetsPartitionResponse>> partitions =
                new ArrayList<>();
            final boolean readable = authorizer.mayReadTopic(principal, topic.name());
            for (final ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions())
            {
                partitions.add(readable ? listOffset(topic.name(), p.partitionIndex(), p.timestamp()) :
                    CompletableFuture.completedFuture(new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .setOffset(-1).setTimestamp(-1)));
            }
            topics.add(Futures.allOf(partitions).thenApply(list ->
                new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name()).setPartitions(list)));
        }
        return Futures.allOf(topics).thenApply(list -> new ListOffsetsResponseData().setTopics(list));
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

    /**
     * Commits need {@code read} on the group (else every partition is answered GROUP_AUTHORIZATION_FAILED) and on
     * each topic (else that topic's partitions are answered TOPIC_AUTHORIZATION_FAILED and the rest committed).
     */
    private CompletableFuture<ApiMessage> offsetCommit(final OffsetCommitRequestData request, final String principal)
    {
        final OffsetCommitResponseData response = new OffsetCommitResponseData();
        final Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        final Set<String> refusedTopics = new java.util.HashSet<>();
        final boolean groupAllowed = authorizer.mayReadGroup(principal, request.groupId());
        request.topics().forEach(t ->
        {
            if (groupAllowed && !authorizer.mayReadTopic(principal, t.name()))
            {
                refusedTopics.add(t.name());
            }
            else
            {
                t.partitions().forEach(p ->
                    offsets.put(new TopicPartition(t.name(), p.partitionIndex()), p.committedOffset()));
            }
        });
        final CompletableFuture<Void> committed;
        if (!groupAllowed)
        {
            committed = CompletableFuture.failedFuture(Errors.GROUP_AUTHORIZATION_FAILED.exception(
                SecurityView.denial(principal, AclOperation.READ, AclResourceType.GROUP, request.groupId())));
        }
        else if (offsets.isEmpty())
        {
            committed = CompletableFuture.completedFuture(null);
        }
        else if (request.generationIdOrMemberEpoch() >= 0 || !request.memberId().isEmpty())
        {
            // A member's commit: refused for partitions it no longer holds.
            committed = groups.commit(request.groupId(), request.memberId(), offsets);
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
                final Errors topicError = refusedTopics.contains(t.name()) ? Errors.TOPIC_AUTHORIZATION_FAILED : error;
                t.partitions().forEach(p -> topic.partitions().add(
                    new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(topicError.code())));
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

    /**
     * Needs {@code read} on the group (GROUP_AUTHORIZATION_FAILED, per group from v8).
     */
    private CompletableFuture<ApiMessage> offsetFetch(
        final OffsetFetchRequestData request, final short version, final String principal)
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
                if (!authorizer.mayReadGroup(principal, group.groupId()))
                {
                    groups.add(CompletableFuture.completedFuture(new OffsetFetchResponseData.OffsetFetchResponseGroup()
                        .setGroupId(group.groupId()).setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
                    continue;
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
            return Futures.allOf(groups).thenApply(list -> new OffsetFetchResponseData().setGroups(list));
        }
        final Map<String, List<Integer>> wanted = request.topics() == null ? null : new LinkedHashMap<>();
        if (request.topics() != null)
        {
            request.topics().forEach(t -> wanted.put(t.name(), t.partitionIndexes()));
        }
        if (!authorizer.mayReadGroup(principal, request.groupId()))
        {
            return CompletableFuture.completedFuture(new OffsetFetchResponseData()
                .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
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
}
