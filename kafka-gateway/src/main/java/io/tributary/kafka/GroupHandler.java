package io.tributary.kafka;

import io.tributary.log.ErrorCode;
import io.tributary.log.GroupDescription;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.ResponseHandler;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.GroupHeartbeatRequestEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static io.tributary.kafka.KafkaErrors.error;
import static io.tributary.kafka.KafkaErrors.message;

/**
 * Kafka consumer groups mapped onto Tributary's groups, which are already server-assigned and KIP-848-shaped:
 * <ul>
 *   <li>{@code ConsumerGroupHeartbeat} (group.protocol=consumer) is one Tributary {@code GroupHeartbeat}: the same
 *       member id, epoch 0 to join and -1/-2 to leave, subscribed topic names, owned partitions (topic ids turned
 *       into names), the heartbeat interval from the answer, and the partitions granted returned as the
 *       assignment. Kafka sends the subscription and the owned partitions only when they change, so the gateway
 *       keeps the last of each per member ({@link Member}); a member this gateway does not know (another gateway
 *       served it, or this one restarted) is told UNKNOWN_MEMBER_ID and rejoins.</li>
 *   <li>The epoch a Kafka member sees is the gateway's: it rises whenever the partitions granted change (Tributary's
 *       own epoch rises only when the member's target changes, and 0 is the join epoch in both).</li>
 *   <li>Commits of a member go through Tributary's member commit ({@link #commit}), which refuses partitions the
 *       member no longer holds.</li>
 *   <li>{@code ListGroups} and {@code DescribeGroups} answer from Tributary's group list and description, every
 *       member's assignment encoded as kafka-clients' {@link ConsumerProtocol} assignment, so Kafka's admin tools
 *       (kafka-consumer-groups) show members, offsets and lag.</li>
 * </ul>
 * Not supported: static membership (a group.instance.id is refused), regular expression subscriptions, and
 * client-side assignors (the cluster's {@code GroupAssignor} decides).
 * <p>
 * Threading: requests from the selector thread; futures complete on the client conductor thread; {@link Member}
 * state is replaced whole in a concurrent map.
 */
final class GroupHandler
{
    /** Kafka's default group.consumer.session.timeout.ms: the consumer protocol has the broker choose it. */
    static final int CONSUMER_SESSION_TIMEOUT_MS = 45_000;
    private static final long SESSION_NS = TimeUnit.MILLISECONDS.toNanos(CONSUMER_SESSION_TIMEOUT_MS);

    /**
     * What the gateway keeps of a Kafka member between heartbeats.
     *
     * @param kafkaEpoch       the epoch last answered to the Kafka member.
     * @param tributaryEpoch   Tributary's epoch for it.
     * @param granted          the partitions last answered.
     * @param lastSeenNs       when the member last heartbeated, to forget members that vanished.
     */
    record Member(
        List<String> topics, Set<TopicPartition> owned, int kafkaEpoch, int tributaryEpoch,
        Set<TopicPartition> granted, long lastSeenNs)
    {
    }

    record HeartbeatAnswer(
        io.tributary.log.internal.codecs.ErrorCode code, int epoch, int intervalMs, Set<TopicPartition> assigned,
        String message)
    {
    }

    private final ClientRuntime runtime;
    private final ClusterRequests requests;
    private final TopicNames topicNames;
    private final long requestTimeoutNs;
    private final ConcurrentHashMap<String, Member> members = new ConcurrentHashMap<>();
    private volatile long nextForgetNs = System.nanoTime() + SESSION_NS;
    /** Client ids of the members this gateway serves, of either protocol, for DescribeGroups. */
    private final ConcurrentHashMap<String, String> clientIds = new ConcurrentHashMap<>();

    GroupHandler(
        final ClientRuntime runtime, final ClusterRequests requests, final TopicNames topicNames,
        final long requestTimeoutNs)
    {
        this.runtime = runtime;
        this.requests = requests;
        this.topicNames = topicNames;
        this.requestTimeoutNs = requestTimeoutNs;
    }

    private static String key(final String groupId, final String memberId)
    {
        return groupId + '\u0000' + memberId;
    }

    /**
     * @param clientId the member's client id, or null once it left.
     */
    void clientId(final String groupId, final String memberId, final String clientId)
    {
        if (clientId == null)
        {
            clientIds.remove(key(groupId, memberId));
        }
        else
        {
            clientIds.put(key(groupId, memberId), clientId);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ConsumerGroupHeartbeat

    CompletableFuture<ApiMessage> consumerGroupHeartbeat(
        final ConsumerGroupHeartbeatRequestData request, final String clientId)
    {
        final ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData();
        final String memberId = request.memberId().isEmpty() && request.memberEpoch() == 0 ?
            Uuid.randomUuid().toString() : request.memberId();
        response.setMemberId(memberId);
        if (request.instanceId() != null)
        {
            return done(response, Errors.UNSUPPORTED_VERSION,
                "static membership (group.instance.id) is not supported by the Tributary gateway");
        }
        if (request.subscribedTopicRegex() != null && !request.subscribedTopicRegex().isEmpty())
        {
            return done(response, Errors.INVALID_REQUEST,
                "regular expression subscriptions are not supported by the Tributary gateway");
        }
        if (request.groupId().isEmpty() || memberId.isEmpty())
        {
            return done(response, Errors.INVALID_REQUEST, "a heartbeat needs a group id and a member id");
        }
        final String key = key(request.groupId(), memberId);
        final int epoch = request.memberEpoch();
        forgetVanished();
        if (epoch < 0)
        {
            members.remove(key);
            clientIds.remove(key);
            return tributaryHeartbeat(request.groupId(), memberId, -1, 0, List.of(), Set.of()).handle((answer, ex) ->
                ex != null ? failed(response, ex) : response.setMemberEpoch(epoch).setErrorCode(Errors.NONE.code()));
        }
        final Member known = members.get(key);
        if (epoch > 0 && known == null)
        {
            return done(response, Errors.UNKNOWN_MEMBER_ID, "member " + memberId + " is not known to this gateway " +
                "(its session expired, it left, or it heartbeated another gateway): it must rejoin");
        }
        final List<String> topics = request.subscribedTopicNames() != null ?
            List.copyOf(new TreeSet<>(request.subscribedTopicNames())) : known != null ? known.topics() : List.of();
        final List<Uuid> ids = new ArrayList<>();
        if (request.topicPartitions() != null)
        {
            request.topicPartitions().forEach(t -> TopicNames.addId(ids, t.topicId()));
        }
        return topicNames.resolve(ids).thenCompose(ignored ->
        {
            final Set<TopicPartition> owned;
            if (request.topicPartitions() != null)
            {
                final Set<TopicPartition> parsed = new TreeSet<>();
                for (final ConsumerGroupHeartbeatRequestData.TopicPartitions t : request.topicPartitions())
                {
                    final String name = topicNames.name(t.topicId());
                    if (name != null)
                    {
                        t.partitions().forEach(p -> parsed.add(new TopicPartition(name, p)));
                    }
                }
                owned = parsed;
            }
            else
            {
                owned = known != null ? known.owned() : Set.of();
            }
            final int tributaryEpoch = epoch == 0 ? 0 : known.tributaryEpoch();
            return tributaryHeartbeat(request.groupId(), memberId, tributaryEpoch, CONSUMER_SESSION_TIMEOUT_MS, topics,
                owned)
                .thenCompose(answer -> withTopicIds(answer.assigned()).thenApply(ignored2 -> answer))
                .handle((answer, ex) ->
                {
                    if (ex != null)
                    {
                        return failed(response, ex);
                    }
                    if (answer.code() != io.tributary.log.internal.codecs.ErrorCode.NONE)
                    {
                        members.remove(key);
                        return heartbeatError(response, ClusterRequests.errorCode(answer.code()), answer.message());
                    }
                    final Member before = epoch == 0 ? null : members.get(key);
                    final int kafkaEpoch = before == null ? 1 :
                        before.granted().equals(answer.assigned()) && before.tributaryEpoch() == answer.epoch() ?
                            before.kafkaEpoch() : before.kafkaEpoch() + 1;
                    members.put(key, new Member(topics, owned, kafkaEpoch, answer.epoch(), answer.assigned(),
                        System.nanoTime()));
                    clientIds.put(key, clientId);
                    return response.setErrorCode(Errors.NONE.code())
                        .setMemberEpoch(kafkaEpoch)
                        .setHeartbeatIntervalMs(answer.intervalMs())
                        .setAssignment(assignment(answer.assigned()));
                });
        });
    }

    /**
     * Forget members silent for longer than the cluster's session (which has expired them there too), at most once
     * a session.
     */
    private void forgetVanished()
    {
        final long nowNs = System.nanoTime();
        if (nowNs - nextForgetNs < 0)
        {
            return;
        }
        nextForgetNs = nowNs + SESSION_NS;
        members.entrySet().removeIf(e ->
        {
            final boolean vanished = nowNs - e.getValue().lastSeenNs() > SESSION_NS;
            if (vanished)
            {
                clientIds.remove(e.getKey());
            }
            return vanished;
        });
    }

    private ConsumerGroupHeartbeatResponseData.Assignment assignment(final Set<TopicPartition> partitions)
    {
        final Map<String, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        final ConsumerGroupHeartbeatResponseData.Assignment result =
            new ConsumerGroupHeartbeatResponseData.Assignment();
        byTopic.forEach((topic, list) -> result.topicPartitions().add(
            new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                .setTopicId(topicNames.id(topic)).setPartitions(list)));
        return result;
    }

    /**
     * @return completed once every topic of the partitions given has a Kafka topic id in the cache.
     */
    private CompletableFuture<Void> withTopicIds(final Set<TopicPartition> partitions)
    {
        final boolean missing = partitions.stream().anyMatch(tp -> topicNames.id(tp.topic()) == null);
        return !missing ? CompletableFuture.completedFuture(null) :
            requests.metadata(List.of()).thenAccept(topics -> topicNames.remember(topics.values()));
    }

    private static ConsumerGroupHeartbeatResponseData heartbeatError(
        final ConsumerGroupHeartbeatResponseData response, final ErrorCode code, final String message)
    {
        final Errors error = switch (code)
        {
            case UNKNOWN_MEMBER -> Errors.UNKNOWN_MEMBER_ID;
            case FENCED_MEMBER -> Errors.FENCED_MEMBER_EPOCH;
            default -> KafkaErrors.error(code);
        };
        return response.setErrorCode(error.code()).setErrorMessage(message).setMemberEpoch(-1);
    }

    private static ConsumerGroupHeartbeatResponseData failed(
        final ConsumerGroupHeartbeatResponseData response, final Throwable ex)
    {
        return response.setErrorCode(error(ex).code()).setErrorMessage(message(ex)).setMemberEpoch(-1);
    }

    private static CompletableFuture<ApiMessage> done(
        final ConsumerGroupHeartbeatResponseData response, final Errors error, final String message)
    {
        return CompletableFuture.completedFuture(
            response.setErrorCode(error.code()).setErrorMessage(message).setMemberEpoch(-1));
    }

    /**
     * One Tributary group heartbeat (as {@code GroupMembership} sends for Tributary's own consumers).
     */
    CompletableFuture<HeartbeatAnswer> tributaryHeartbeat(
        final String groupId, final String memberId, final int epoch, final int sessionTimeoutMs,
        final List<String> topics, final Set<TopicPartition> owned)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final GroupHeartbeatRequestEncoder encoder = new GroupHeartbeatRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .memberEpoch(epoch)
            .sessionTimeoutMs(sessionTimeoutMs)
            .coPartitioned(BooleanType.FALSE);
        final GroupHeartbeatRequestEncoder.TopicsEncoder topicsOut = encoder.topicsCount(topics.size());
        topics.forEach(t -> topicsOut.next().topic(t));
        final GroupHeartbeatRequestEncoder.OwnedEncoder ownedOut = encoder.ownedCount(owned.size());
        owned.forEach(tp -> ownedOut.next().partition(tp.partition()).topic(tp.topic()));
        encoder.groupId(groupId).memberId(memberId);
        final CompletableFuture<HeartbeatAnswer> future = new CompletableFuture<>();
        runtime.sendToCluster(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(),
            requestTimeoutNs, new ResponseHandler()
            {
                public void onResponse(final DirectBuffer message, final int offset, final int length)
                {
                    final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(message, offset);
                    if (header.templateId() == AdminResponseDecoder.TEMPLATE_ID)
                    {
                        final AdminResponseDecoder admin =
                            new AdminResponseDecoder().wrapAndApplyHeader(message, offset, header);
                        final var code = admin.errorCode();
                        future.completeExceptionally(new TributaryException(ClusterRequests.errorCode(code),
                            admin.errorMessage()));
                        return;
                    }
                    final GroupHeartbeatResponseDecoder decoder =
                        new GroupHeartbeatResponseDecoder().wrapAndApplyHeader(message, offset, header);
                    final var code = decoder.errorCode();
                    final int memberEpoch = decoder.memberEpoch();
                    final int intervalMs = decoder.heartbeatIntervalMs();
                    final TreeSet<TopicPartition> assigned = new TreeSet<>();
                    for (final GroupHeartbeatResponseDecoder.AssignedDecoder a : decoder.assigned())
                    {
                        final int partition = a.partition();
                        assigned.add(new TopicPartition(a.topic(), partition));
                    }
                    future.complete(new HeartbeatAnswer(code, memberEpoch, intervalMs, Set.copyOf(assigned),
                        decoder.errorMessage()));
                }

                public void onFailure(final ErrorCode code, final String message)
                {
                    future.completeExceptionally(new TributaryException(code, message));
                }
            });
        return future;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commits

    /**
     * A commit by a group member: Tributary's member commit, refused for partitions the member does not hold.
     */
    CompletableFuture<Void> commit(
        final String groupId, final String memberId, final Map<TopicPartition, Long> offsets)
    {
        final Member member = members.get(key(groupId, memberId));
        return requests.groupCommit(groupId, memberId, member == null ? 0 : member.tributaryEpoch(), offsets);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ListGroups, DescribeGroups

    CompletableFuture<ApiMessage> listGroups(final ListGroupsRequestData request)
    {
        return requests.listGroups().handle((groups, ex) ->
        {
            final ListGroupsResponseData response = new ListGroupsResponseData();
            if (ex != null)
            {
                return response.setErrorCode(error(ex).code());
            }
            groups.forEach(g ->
            {
                final String state = g.members() > 0 ? "Stable" : "Empty";
                if (request.statesFilter().isEmpty() ||
                    request.statesFilter().stream().anyMatch(state::equalsIgnoreCase))
                {
                    response.groups().add(new ListGroupsResponseData.ListedGroup()
                        .setGroupId(g.groupId()).setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
                        .setGroupState(state).setGroupType("consumer"));
                }
            });
            return response.setErrorCode(Errors.NONE.code());
        });
    }

    CompletableFuture<ApiMessage> describeGroups(final DescribeGroupsRequestData request)
    {
        final List<CompletableFuture<DescribeGroupsResponseData.DescribedGroup>> results = new ArrayList<>();
        for (final String groupId : request.groups())
        {
            results.add(requests.describeGroup(groupId).handle((group, ex) ->
                ex != null ? new DescribeGroupsResponseData.DescribedGroup().setGroupId(groupId)
                    .setErrorCode(error(ex).code()).setErrorMessage(message(ex)) : describedGroup(group)));
        }
        return Futures.allOf(results).thenApply(list -> new DescribeGroupsResponseData().setGroups(list));
    }

    /**
     * KIP-848's describe, for groups with no classic member; a classic group is answered GROUP_ID_NOT_FOUND, on
     * which Kafka's admin client asks DescribeGroups instead (as against a Kafka broker).
     *
     * @param classic whether this gateway serves a group with the classic protocol.
     */
    CompletableFuture<ApiMessage> consumerGroupDescribe(
        final ConsumerGroupDescribeRequestData request, final Predicate<String> classic)
    {
        final List<CompletableFuture<ConsumerGroupDescribeResponseData.DescribedGroup>> results = new ArrayList<>();
        for (final String groupId : request.groupIds())
        {
            final ConsumerGroupDescribeResponseData.DescribedGroup failed =
                new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(groupId);
            if (classic.test(groupId))
            {
                results.add(CompletableFuture.completedFuture(failed.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                    .setErrorMessage("Group " + groupId + " is not a consumer group (it has classic members).")));
                continue;
            }
            results.add(requests.describeGroup(groupId)
                .thenCompose(group -> withTopicIds(group.partitions().stream()
                    .map(GroupDescription.PartitionLag::topicPartition).collect(Collectors.toSet()))
                    .thenApply(ignored -> group))
                .handle((group, ex) -> ex != null ?
                    failed.setErrorCode(error(ex).code()).setErrorMessage(message(ex)) : consumerGroup(group)));
        }
        return Futures.allOf(results).thenApply(list -> new ConsumerGroupDescribeResponseData().setGroups(list));
    }

    private ConsumerGroupDescribeResponseData.DescribedGroup consumerGroup(final GroupDescription group)
    {
        final ConsumerGroupDescribeResponseData.DescribedGroup result =
            new ConsumerGroupDescribeResponseData.DescribedGroup()
                .setGroupId(group.groupId())
                .setErrorCode(Errors.NONE.code())
                .setGroupState(group.members().isEmpty() ? "Empty" : "Stable")
                .setAssignorName("tributary");
        final Map<String, Map<String, List<Integer>>> held = new LinkedHashMap<>();
        group.members().forEach(m -> held.put(m, new TreeMap<>()));
        for (final GroupDescription.PartitionLag p : group.partitions())
        {
            if (p.member() != null && held.containsKey(p.member()))
            {
                held.get(p.member()).computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p.partition());
            }
        }
        int groupEpoch = 0;
        for (final Map.Entry<String, Map<String, List<Integer>>> e : held.entrySet())
        {
            final String key = key(group.groupId(), e.getKey());
            final Member known = members.get(key);
            final ConsumerGroupDescribeResponseData.Assignment assignment =
                new ConsumerGroupDescribeResponseData.Assignment();
            e.getValue().forEach((topic, partitions) -> assignment.topicPartitions().add(
                new ConsumerGroupDescribeResponseData.TopicPartitions()
                    .setTopicId(topicNames.id(topic)).setTopicName(topic).setPartitions(partitions)));
            final int epoch = known != null ? known.kafkaEpoch() : 0;
            groupEpoch = Math.max(groupEpoch, epoch);
            result.members().add(new ConsumerGroupDescribeResponseData.Member()
                .setMemberId(e.getKey())
                .setMemberEpoch(epoch)
                .setClientId(clientIds.getOrDefault(key, ""))
                .setClientHost("")
                .setSubscribedTopicNames(known != null ? known.topics() : new ArrayList<>(e.getValue().keySet()))
                .setAssignment(assignment)
                .setTargetAssignment(assignment.duplicate())
                .setMemberType((byte)1));
        }
        return result.setGroupEpoch(groupEpoch).setAssignmentEpoch(groupEpoch);
    }

    private DescribeGroupsResponseData.DescribedGroup describedGroup(final GroupDescription group)
    {
        final DescribeGroupsResponseData.DescribedGroup result = new DescribeGroupsResponseData.DescribedGroup()
            .setGroupId(group.groupId())
            .setErrorCode(Errors.NONE.code())
            .setGroupState(group.members().isEmpty() ? "Empty" : "Stable")
            .setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
            .setProtocolData(group.members().isEmpty() ? "" : "tributary");
        final Map<String, List<org.apache.kafka.common.TopicPartition>> held = new LinkedHashMap<>();
        group.members().forEach(m -> held.put(m, new ArrayList<>()));
        for (final GroupDescription.PartitionLag p : group.partitions())
        {
            if (p.member() != null && held.containsKey(p.member()))
            {
                held.get(p.member()).add(new org.apache.kafka.common.TopicPartition(p.topic(), p.partition()));
            }
        }
        held.forEach((memberId, partitions) ->
        {
            // Members this gateway does not serve (Tributary consumers, connectors, another gateway's): no client id.
            result.members().add(new DescribeGroupsResponseData.DescribedGroupMember()
                .setMemberId(memberId)
                .setClientId(clientIds.getOrDefault(key(group.groupId(), memberId), ""))
                .setClientHost("")
                .setMemberMetadata(new byte[0])
                .setMemberAssignment(Utils.toArray(ConsumerProtocol.serializeAssignment(
                    new org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment(partitions)))));
        });
        return result;
    }
}
