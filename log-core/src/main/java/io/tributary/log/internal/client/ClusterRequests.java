package io.tributary.log.internal.client;

import io.tributary.log.Acl;
import io.tributary.log.GroupDescription;
import io.tributary.log.internal.codecs.AclOperation;
import io.tributary.log.internal.codecs.AclPatternType;
import io.tributary.log.internal.codecs.AclResourceType;
import io.tributary.log.internal.codecs.AlterAclRequestEncoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.ListAclsRequestEncoder;
import io.tributary.log.internal.codecs.ListAclsResponseDecoder;
import io.tributary.log.internal.codecs.ListUsersRequestEncoder;
import io.tributary.log.internal.codecs.ListUsersResponseDecoder;
import io.tributary.log.internal.codecs.UserDeleteRequestEncoder;
import io.tributary.log.internal.codecs.UserUpsertRequestEncoder;
import io.tributary.log.internal.security.ScramCredential;
import io.tributary.log.GroupListing;
import io.tributary.log.internal.codecs.DescribeGroupRequestEncoder;
import io.tributary.log.internal.codecs.DescribeGroupResponseDecoder;
import io.tributary.log.internal.codecs.GroupCommitRequestEncoder;
import io.tributary.log.internal.codecs.ListGroupsRequestEncoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.InitProducerIdRequestEncoder;
import io.tributary.log.internal.codecs.InitProducerIdResponseDecoder;
import io.tributary.log.internal.codecs.ListGroupsResponseDecoder;
import io.tributary.log.internal.codecs.ProduceRequestEncoder;
import io.tributary.log.internal.codecs.ProduceResponseDecoder;
import io.tributary.log.internal.codecs.ResetOffsetsRequestEncoder;
import io.tributary.log.ErrorCode;
import io.tributary.log.NodeStatus;
import io.tributary.log.PartitionInfo;
import io.tributary.log.TopicDescription;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.AlterTopicConfigsRequestEncoder;
import io.tributary.log.internal.codecs.CreateTopicRequestEncoder;
import io.tributary.log.internal.codecs.DeleteTopicRequestEncoder;
import io.tributary.log.internal.codecs.ListOffsetsResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.MetadataRequestEncoder;
import io.tributary.log.internal.codecs.MetadataResponseDecoder;
import io.tributary.log.internal.codecs.NodeStatusResponseDecoder;
import io.tributary.log.internal.codecs.OffsetCommitRequestEncoder;
import io.tributary.log.internal.codecs.OffsetFetchRequestEncoder;
import io.tributary.log.internal.codecs.OffsetFetchResponseDecoder;
import io.tributary.log.internal.codecs.OffsetSpec;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The control requests of the client API, encoded, sent through a {@link ClientRuntime} and decoded into API types.
 * Each returns a future completed on the conductor thread; {@link #await} turns one into a value or a
 * {@link TributaryException}.
 * <p>
 * Threading: thread-safe; each call encodes into its own buffer.
 */
public final class ClusterRequests
{
    private final ClientRuntime runtime;
    private final long timeoutNs;

    public ClusterRequests(final ClientRuntime runtime, final Duration timeout)
    {
        this.runtime = runtime;
        this.timeoutNs = timeout.toNanos();
    }

    public CompletableFuture<Void> createTopic(final String name, final int partitions, final Map<String, String> configs)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CreateTopicRequestEncoder encoder = new CreateTopicRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .partitionCount(partitions);
        final CreateTopicRequestEncoder.ConfigsEncoder configsOut = encoder.configsCount(configs.size());
        for (final Map.Entry<String, String> e : new TreeMap<>(configs).entrySet())
        {
            configsOut.next().key(e.getKey()).value(e.getValue());
        }
        encoder.topic(name);
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), false);
    }

    public CompletableFuture<Void> alterTopicConfigs(final String name, final Map<String, String> configs)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final AlterTopicConfigsRequestEncoder encoder = new AlterTopicConfigsRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        final AlterTopicConfigsRequestEncoder.ConfigsEncoder configsOut = encoder.configsCount(configs.size());
        for (final Map.Entry<String, String> e : new TreeMap<>(configs).entrySet())
        {
            configsOut.next().key(e.getKey()).value(e.getValue());
        }
        encoder.topic(name);
        // Setting the same values twice changes nothing: safe to send again when the outcome is unknown.
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true);
    }

    /**
     * Create a user or replace its credential; the credential was computed from the password on this side.
     */
    public CompletableFuture<Void> upsertUser(final String name, final ScramCredential credential)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final byte[] salt = credential.salt();
        final byte[] storedKey = credential.storedKey();
        final byte[] serverKey = credential.serverKey();
        final UserUpsertRequestEncoder encoder = new UserUpsertRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .iterations(credential.iterations())
            .name(name)
            .putSalt(salt, 0, salt.length)
            .putStoredKey(storedKey, 0, storedKey.length)
            .putServerKey(serverKey, 0, serverKey.length);
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true);
    }

    public CompletableFuture<Void> deleteUser(final String name)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final UserDeleteRequestEncoder encoder = new UserDeleteRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .name(name);
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), false);
    }

    /**
     * @return user names with their credentials' iterations, in name order.
     */
    public CompletableFuture<Map<String, Integer>> listUsers()
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final ListUsersRequestEncoder encoder = new ListUsersRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final ListUsersResponseDecoder decoder = new ListUsersResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var code = decoder.errorCode();
                final Map<String, Integer> users = new TreeMap<>();
                for (final ListUsersResponseDecoder.UsersDecoder u : decoder.users())
                {
                    final int iterations = u.iterations();
                    users.put(u.name(), iterations);
                }
                throwIfError(code, decoder.errorMessage());
                return users;
            });
    }

    public CompletableFuture<Void> alterAcl(final Acl acl, final boolean remove)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final AlterAclRequestEncoder encoder = new AlterAclRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .remove(remove ? BooleanType.TRUE : BooleanType.FALSE)
            .resourceType(AclResourceType.valueOf(acl.resourceType().name()))
            .patternType(AclPatternType.valueOf(acl.patternType().name()))
            .operation(AclOperation.valueOf(acl.operation().name()))
            .principal(acl.principal())
            .resource(acl.resource());
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), false);
    }

    /**
     * @param principal whose rules; empty for everyone's.
     */
    public CompletableFuture<List<Acl>> listAcls(final String principal)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final ListAclsRequestEncoder encoder = new ListAclsRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .principal(principal);
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final ListAclsResponseDecoder decoder = new ListAclsResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var code = decoder.errorCode();
                final List<Acl> acls = new ArrayList<>();
                for (final ListAclsResponseDecoder.AclsDecoder a : decoder.acls())
                {
                    final Acl.ResourceType type = Acl.ResourceType.valueOf(a.resourceType().name());
                    final Acl.PatternType pattern = Acl.PatternType.valueOf(a.patternType().name());
                    final Acl.Operation operation = Acl.Operation.valueOf(a.operation().name());
                    final String aclPrincipal = a.principal();
                    acls.add(new Acl(aclPrincipal, type, pattern, a.resource(), operation));
                }
                throwIfError(code, decoder.errorMessage());
                return acls;
            });
    }

    public CompletableFuture<Void> deleteTopic(final String name)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final DeleteTopicRequestEncoder encoder = new DeleteTopicRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .topic(name);
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), false);
    }

    /**
     * @param topics names to describe; empty for every topic.
     * @return descriptions by name, in name order; fails with UNKNOWN_TOPIC when a named topic does not exist.
     */
    public CompletableFuture<Map<String, TopicDescription>> metadata(final Collection<String> topics)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final MetadataRequestEncoder encoder = new MetadataRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        final MetadataRequestEncoder.TopicsEncoder topicsOut = encoder.topicsCount(topics.size());
        for (final String topic : topics)
        {
            topicsOut.next().topic(topic);
        }
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final MetadataResponseDecoder decoder = new MetadataResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var errorCode = decoder.errorCode();
                final Map<String, TopicDescription> result = new LinkedHashMap<>();
                for (final MetadataResponseDecoder.TopicsDecoder topic : decoder.topics())
                {
                    final long topicId = topic.topicId();
                    final List<PartitionInfo> partitions = new ArrayList<>();
                    for (final MetadataResponseDecoder.TopicsDecoder.PartitionsDecoder p : topic.partitions())
                    {
                        partitions.add(new PartitionInfo(p.partition(), p.startOffset(), p.endOffset()));
                    }
                    final Map<String, String> configs = new TreeMap<>();
                    for (final MetadataResponseDecoder.TopicsDecoder.ConfigsDecoder c : topic.configs())
                    {
                        final String key = c.key();
                        configs.put(key, c.value());
                    }
                    final String name = topic.name();
                    result.put(name, new TopicDescription(name, topicId, List.copyOf(partitions), configs));
                }
                final String errorMessage = decoder.errorMessage();
                throwIfError(errorCode, errorMessage);
                return result;
            });
    }

    /**
     * @return a new idempotent producer id from the cluster, in the same space as every {@code Producer}'s.
     */
    public CompletableFuture<Long> initProducerId()
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final InitProducerIdRequestEncoder encoder = new InitProducerIdRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        // An id allocated twice is only an id never used: safe to send again.
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final InitProducerIdResponseDecoder decoder = new InitProducerIdResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var errorCode = decoder.errorCode();
                final long producerId = decoder.producerId();
                throwIfError(errorCode, decoder.errorMessage());
                return producerId;
            });
    }

    /** One prebuilt {@code RecordBatch} (message header included) for one partition. */
    public record PartitionBatch(TopicPartition tp, DirectBuffer buffer, int offset, int length)
    {
    }

    /**
     * The outcome of one batch of {@link #produce}: appended at {@code baseOffset} (same as the first time for a
     * batch an idempotent producer sent again), or refused with {@code error}.
     */
    public record BatchOutcome(ErrorCode error, String message, long baseOffset, long appendTime)
    {
    }

    /**
     * Append prebuilt batches, each partition succeeding or failing on its own (not atomic). Batches carry their
     * producer id and sequence as built; for the lower-level callers that build batches themselves (a protocol
     * gateway) rather than through a {@code Producer}.
     * <p>
     * When every batch carries a producer id the request is sent again while its outcome is unknown (leader
     * change, lost connection) until the timeout: the cluster answers a batch it already appended with its first
     * offsets. Otherwise an unknown outcome fails the future with DISCONNECTED or TIMEOUT.
     *
     * @return one outcome per batch, in the order given.
     */
    public CompletableFuture<List<BatchOutcome>> produce(final List<PartitionBatch> batches)
    {
        final long correlationId = runtime.nextCorrelationId();
        int capacity = 128;
        boolean idempotent = true;
        for (final PartitionBatch batch : batches)
        {
            capacity += batch.length() + batch.tp().topic().length() * 3 + 16;
            idempotent &= io.tributary.log.internal.record.RecordBatches.producerId(batch.buffer(), batch.offset()) >= 0;
        }
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(capacity);
        final ProduceRequestEncoder encoder = new ProduceRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .atomic(BooleanType.FALSE);
        final ProduceRequestEncoder.PartitionsEncoder partitions = encoder.partitionsCount(batches.size());
        for (final PartitionBatch batch : batches)
        {
            partitions.next()
                .partition(batch.tp().partition())
                .topic(batch.tp().topic())
                .putBatch(batch.buffer(), batch.offset(), batch.length());
        }
        encoder.offsetsCount(0);
        encoder.groupId("").memberId("");
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), idempotent,
            (message) ->
            {
                final ProduceResponseDecoder decoder = new ProduceResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var requestError = decoder.errorCode();
                final List<BatchOutcome> result = new ArrayList<>(batches.size());
                for (final ProduceResponseDecoder.PartitionsDecoder p : decoder.partitions())
                {
                    final var code = p.errorCode();
                    final long baseOffset = p.baseOffset();
                    final long appendTime = p.appendTime();
                    p.topic();
                    final String errorMessage = p.errorMessage();
                    result.add(new BatchOutcome(
                        code == io.tributary.log.internal.codecs.ErrorCode.NONE ? null : errorCode(code),
                        errorMessage, baseOffset, appendTime));
                }
                throwIfError(requestError, decoder.errorMessage());
                if (result.size() != batches.size())
                {
                    throw new TributaryException(ErrorCode.INVALID_REQUEST,
                        "the cluster answered " + result.size() + " of " + batches.size() + " batches");
                }
                return result;
            });
    }

    public CompletableFuture<Void> commitOffsets(final String groupId, final Map<TopicPartition, Long> offsets)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final OffsetCommitRequestEncoder encoder = new OffsetCommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        final OffsetCommitRequestEncoder.OffsetsEncoder out = encoder.offsetsCount(offsets.size());
        for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
        {
            out.next().partition(e.getKey().partition()).offset(e.getValue()).topic(e.getKey().topic());
        }
        encoder.groupId(groupId);
        // Committing the same offsets twice changes nothing: safe to send again when the outcome is unknown.
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true);
    }

    /**
     * A group member's commit: refused with FENCED_MEMBER for a partition it does not hold, UNKNOWN_MEMBER once it
     * is no longer in the group.
     */
    public CompletableFuture<Void> groupCommit(
        final String groupId, final String memberId, final int memberEpoch, final Map<TopicPartition, Long> offsets)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final GroupCommitRequestEncoder encoder = new GroupCommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .memberEpoch(memberEpoch);
        final GroupCommitRequestEncoder.OffsetsEncoder out = encoder.offsetsCount(offsets.size());
        for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
        {
            out.next().partition(e.getKey().partition()).offset(e.getValue()).topic(e.getKey().topic());
        }
        encoder.groupId(groupId).memberId(memberId);
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true);
    }

    /**
     * @return groups with live members or committed offsets, by id.
     */
    public CompletableFuture<List<GroupListing>> listGroups()
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final ListGroupsRequestEncoder encoder = new ListGroupsRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final ListGroupsResponseDecoder decoder = new ListGroupsResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var errorCode = decoder.errorCode();
                final List<GroupListing> result = new ArrayList<>();
                for (final ListGroupsResponseDecoder.GroupsDecoder g : decoder.groups())
                {
                    final int members = g.memberCount();
                    result.add(new GroupListing(g.groupId(), members));
                }
                throwIfError(errorCode, "list groups failed");
                return result;
            });
    }

    public CompletableFuture<GroupDescription> describeGroup(final String groupId)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final DescribeGroupRequestEncoder encoder = new DescribeGroupRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .groupId(groupId);
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final DescribeGroupResponseDecoder decoder = new DescribeGroupResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var errorCode = decoder.errorCode();
                final List<String> members = new ArrayList<>();
                for (final DescribeGroupResponseDecoder.MembersDecoder m : decoder.members())
                {
                    m.memberEpoch();
                    members.add(m.memberId());
                }
                final List<GroupDescription.PartitionLag> partitions = new ArrayList<>();
                for (final DescribeGroupResponseDecoder.PartitionsDecoder p : decoder.partitions())
                {
                    final int partition = p.partition();
                    final long committed = p.committed();
                    p.startOffset();
                    final long end = p.endOffset();
                    final String topic = p.topic();
                    final String member = p.memberId();
                    partitions.add(new GroupDescription.PartitionLag(topic, partition, committed, end,
                        committed < 0 ? -1 : Math.max(0, end - committed), member.isEmpty() ? null : member));
                }
                throwIfError(errorCode, decoder.errorMessage());
                return new GroupDescription(groupId, List.copyOf(members), List.copyOf(partitions));
            });
    }

    /**
     * Set a group's committed offsets; refused with GROUP_NOT_EMPTY while it has live members.
     */
    public CompletableFuture<Void> resetOffsets(final String groupId, final Map<TopicPartition, Long> offsets)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final ResetOffsetsRequestEncoder encoder = new ResetOffsetsRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        final ResetOffsetsRequestEncoder.OffsetsEncoder out = encoder.offsetsCount(offsets.size());
        for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
        {
            out.next().partition(e.getKey().partition()).offset(e.getValue()).topic(e.getKey().topic());
        }
        encoder.groupId(groupId);
        return sendAdmin(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true);
    }

    /**
     * @param partitions partitions to ask for; empty for all the group has committed.
     * @return committed offsets; partitions without one are absent.
     */
    public CompletableFuture<Map<TopicPartition, Long>> committedOffsets(
        final String groupId, final Collection<TopicPartition> partitions)
    {
        final long correlationId = runtime.nextCorrelationId();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final OffsetFetchRequestEncoder encoder = new OffsetFetchRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId);
        final OffsetFetchRequestEncoder.PartitionsEncoder out = encoder.partitionsCount(partitions.size());
        for (final TopicPartition tp : partitions)
        {
            out.next().partition(tp.partition()).topic(tp.topic());
        }
        encoder.groupId(groupId);
        return send(correlationId, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(), true,
            (message) ->
            {
                final OffsetFetchResponseDecoder decoder = new OffsetFetchResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var errorCode = decoder.errorCode();
                final Map<TopicPartition, Long> result = new TreeMap<>();
                for (final OffsetFetchResponseDecoder.OffsetsDecoder o : decoder.offsets())
                {
                    final int partition = o.partition();
                    final long offset = o.offset();
                    result.put(new TopicPartition(o.topic(), partition), offset);
                }
                throwIfError(errorCode, decoder.errorMessage());
                return result;
            });
    }

    /**
     * @return the offset for the spec: earliest, latest (the end offset), or the first record at or after the
     *         timestamp (-1 when there is none).
     */
    public CompletableFuture<Long> listOffset(final TopicPartition tp, final OffsetSpec spec, final long timestamp)
    {
        final CompletableFuture<Long> future = new CompletableFuture<>();
        runtime.fetchClient().listOffsets(tp.topic(), tp.partition(), spec, timestamp, timeoutNs,
            handler(future, (message) ->
            {
                final ListOffsetsResponseDecoder decoder = new ListOffsetsResponseDecoder();
                decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
                final var errorCode = decoder.errorCode();
                final long offset = decoder.resultOffset();
                decoder.timestamp();
                throwIfError(errorCode, decoder.errorMessage());
                return offset;
            }));
        return future;
    }

    /**
     * @return what the node says of itself; a node that does not answer in time is reported DOWN.
     */
    public CompletableFuture<NodeStatus> nodeStatus(final int nodeId, final Duration timeout)
    {
        final CompletableFuture<NodeStatus> future = new CompletableFuture<>();
        runtime.fetchClient().nodeStatus(nodeId, timeout.toNanos(), new ResponseHandler()
        {
            public void onResponse(final DirectBuffer buffer, final int offset, final int length)
            {
                final NodeStatusResponseDecoder decoder = new NodeStatusResponseDecoder();
                decoder.wrapAndApplyHeader(buffer, offset, new MessageHeaderDecoder());
                final NodeStatus.Role role = switch (decoder.role())
                {
                    case LEADER -> NodeStatus.Role.LEADER;
                    case CANDIDATE -> NodeStatus.Role.CANDIDATE;
                    default -> NodeStatus.Role.FOLLOWER;
                };
                final long authenticationFailures = Math.max(0, decoder.authenticationFailures());
                final long authorizationFailures = Math.max(0, decoder.authorizationFailures());
                future.complete(new NodeStatus(decoder.nodeId(), role, decoder.appliedPosition(),
                    decoder.corruptBatches(), decoder.repairedSegments(), authenticationFailures,
                    authorizationFailures));
            }

            public void onFailure(final ErrorCode code, final String message)
            {
                future.complete(new NodeStatus(nodeId, NodeStatus.Role.DOWN, -1));
            }
        });
        return future;
    }

    /**
     * Wait for a request's outcome.
     *
     * @return its value.
     * @throws TributaryException with the cluster's error, or TIMEOUT.
     */
    public <T> T await(final CompletableFuture<T> future)
    {
        try
        {
            return future.get(timeoutNs + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof TributaryException te)
            {
                throw new TributaryException(te.errorCode(), te.getMessage(), te);
            }
            throw new TributaryException(ErrorCode.UNKNOWN_ERROR, String.valueOf(ex.getCause()), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new TributaryException(ErrorCode.TIMEOUT, "no answer from cluster " + runtime.members() + " in time");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new TributaryException(ErrorCode.CLOSED, "interrupted", ex);
        }
    }

    static void throwIfError(final io.tributary.log.internal.codecs.ErrorCode code, final String message)
    {
        if (code != io.tributary.log.internal.codecs.ErrorCode.NONE)
        {
            throw new TributaryException(errorCode(code), message);
        }
    }

    /**
     * @return the public error code for a wire one.
     */
    public static ErrorCode errorCode(final io.tributary.log.internal.codecs.ErrorCode code)
    {
        return switch (code)
        {
            case UNKNOWN_TOPIC -> ErrorCode.UNKNOWN_TOPIC;
            case PARTITION_OUT_OF_RANGE -> ErrorCode.PARTITION_OUT_OF_RANGE;
            case INVALID_TOPIC -> ErrorCode.INVALID_TOPIC;
            case TOPIC_ALREADY_EXISTS -> ErrorCode.TOPIC_ALREADY_EXISTS;
            case RECORD_TOO_LARGE -> ErrorCode.RECORD_TOO_LARGE;
            case CORRUPT_BATCH -> ErrorCode.CORRUPT_BATCH;
            case INVALID_REQUEST -> ErrorCode.INVALID_REQUEST;
            case OFFSET_OUT_OF_RANGE -> ErrorCode.OFFSET_OUT_OF_RANGE;
            case INVALID_CONFIG -> ErrorCode.INVALID_CONFIG;
            case INVALID_PARTITIONS -> ErrorCode.INVALID_PARTITIONS;
            case OUT_OF_ORDER_SEQUENCE -> ErrorCode.OUT_OF_ORDER_SEQUENCE;
            case UNKNOWN_MEMBER -> ErrorCode.UNKNOWN_MEMBER;
            case FENCED_MEMBER -> ErrorCode.FENCED_MEMBER;
            case GROUP_NOT_EMPTY -> ErrorCode.GROUP_NOT_EMPTY;
            case UNKNOWN_GROUP -> ErrorCode.UNKNOWN_GROUP;
            case TOPIC_AUTHORIZATION_FAILED -> ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            case GROUP_AUTHORIZATION_FAILED -> ErrorCode.GROUP_AUTHORIZATION_FAILED;
            case CLUSTER_AUTHORIZATION_FAILED -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
            case JOB_AUTHORIZATION_FAILED -> ErrorCode.JOB_AUTHORIZATION_FAILED;
            case AUTHENTICATION_FAILED -> ErrorCode.AUTHENTICATION_FAILED;
            default -> ErrorCode.UNKNOWN_ERROR;
        };
    }

    private CompletableFuture<Void> sendAdmin(
        final long correlationId, final DirectBuffer buffer, final int length, final boolean retriable)
    {
        return send(correlationId, buffer, length, retriable, (message) ->
        {
            final AdminResponseDecoder decoder = new AdminResponseDecoder();
            decoder.wrapAndApplyHeader(message, 0, new MessageHeaderDecoder());
            throwIfError(decoder.errorCode(), decoder.errorMessage());
            return null;
        });
    }

    /**
     * @param retriable whether the request may be sent again when its outcome is unknown (connection lost, leader
     *                  changed): true for reads and for writes that are the same when applied twice.
     */
    private <T> CompletableFuture<T> send(
        final long correlationId,
        final DirectBuffer buffer,
        final int length,
        final boolean retriable,
        final Function<DirectBuffer, T> decode)
    {
        final CompletableFuture<T> future = new CompletableFuture<>();
        final ResponseHandler handler = handler(future, decode);
        final long deadlineNs = System.nanoTime() + timeoutNs;
        runtime.sendToCluster(correlationId, buffer, length, timeoutNs, !retriable ? handler : new ResponseHandler()
        {
            public void onResponse(final DirectBuffer response, final int offset, final int responseLength)
            {
                handler.onResponse(response, offset, responseLength);
            }

            public void onFailure(final ErrorCode code, final String message)
            {
                final long remainingNs = deadlineNs - System.nanoTime();
                if (code.isRetriable() && remainingNs > 0)
                {
                    runtime.sendToCluster(correlationId, buffer, length, remainingNs, this);
                }
                else
                {
                    handler.onFailure(code, message);
                }
            }
        });
        return future;
    }

    private static <T> ResponseHandler handler(final CompletableFuture<T> future, final Function<DirectBuffer, T> decode)
    {
        return new ResponseHandler()
        {
            public void onResponse(final DirectBuffer buffer, final int offset, final int length)
            {
                try
                {
                    final UnsafeBuffer message = new UnsafeBuffer(buffer, offset, length);
                    final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(message, 0);
                    if (header.templateId() == AdminResponseDecoder.TEMPLATE_ID)
                    {
                        // Any request may be refused with an AdminResponse, e.g. one the cluster could not decode.
                        final AdminResponseDecoder decoder = new AdminResponseDecoder().wrapAndApplyHeader(
                            message, 0, header);
                        throwIfError(decoder.errorCode(), decoder.errorMessage());
                    }
                    future.complete(decode.apply(message));
                }
                catch (final RuntimeException ex)
                {
                    future.completeExceptionally(ex);
                }
            }

            public void onFailure(final ErrorCode code, final String message)
            {
                future.completeExceptionally(new TributaryException(code, message));
            }
        };
    }
}
