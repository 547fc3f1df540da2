package io.tributary.log.internal.cluster;

import io.aeron.ExclusivePublication;
import io.aeron.cluster.service.ClientSession;
import io.tributary.log.TopicPartition;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.AdminResponseEncoder;
import io.tributary.log.internal.codecs.DescribeGroupRequestDecoder;
import io.tributary.log.internal.codecs.DescribeGroupResponseEncoder;
import io.tributary.log.internal.codecs.ErrorCode;
import io.tributary.log.internal.codecs.GroupCommitRequestDecoder;
import io.tributary.log.internal.codecs.GroupCoordinatorSnapshotDecoder;
import io.tributary.log.internal.codecs.GroupCoordinatorSnapshotEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatRequestDecoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseEncoder;
import io.tributary.log.internal.codecs.GroupMemberSnapshotDecoder;
import io.tributary.log.internal.codecs.GroupMemberSnapshotEncoder;
import io.tributary.log.internal.codecs.ListGroupsRequestDecoder;
import io.tributary.log.internal.codecs.ListGroupsResponseEncoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import io.tributary.log.internal.codecs.ResetOffsetsRequestDecoder;
import io.tributary.log.internal.storage.PartitionLog;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Consumer groups in the replicated state: members, their sessions, and which partitions each is assigned and
 * holds. Server-side assignment as Kafka's KIP-848, without a stop-the-world rebalance:
 * <ul>
 *   <li>a member joins by heartbeating with epoch 0 and its topics, and is answered an epoch of at least 1 (even
 *       when given nothing); every heartbeat lists the partitions it holds and is answered with the partitions it
 *       may hold now;</li>
 *   <li>on a join, a leave, an expiry, a change of subscription or of topics, {@link GroupAssignor} computes each
 *       member's <em>target</em>; a member's epoch rises when its target changes;</li>
 *   <li>a partition moves revoke-first: it is granted to its new owner only once its old owner's heartbeat no
 *       longer lists it, or the old owner's session expired. Partitions that do not move are never interrupted;</li>
 *   <li>a commit from a member is accepted only for partitions it holds (granted and not yet released), so a
 *       zombie that lost a partition cannot rewind or skip it: {@code FENCED_MEMBER}, or {@code UNKNOWN_MEMBER}
 *       once its session is gone.</li>
 * </ul>
 * Sessions expire on cluster timers. Timer correlation ids of this class have bit 62 set ({@link #TIMER_ID_BIT})
 * and a sequence number below it, one per member session, so they never collide with other timers of the service
 * as long as those leave bit 62 clear. Rescheduling a timer with the same id moves its deadline, so each heartbeat
 * pushes the member's one timer forward. Timers live in the consensus module's own snapshot.
 * <p>
 * Deterministic: cluster time only, sorted maps for everything iterated, no randomness. Committed offsets stay in
 * {@link TopicStore}; groups with no live member exist only there.
 * <p>
 * Snapshot: one {@code GroupCoordinatorSnapshot}, then one {@code GroupMemberSnapshot} per member (by group, then
 * member id), written by {@link TopicStore} before its {@code SnapshotEnd}.
 * <p>
 * Threading: the service thread only.
 */
final class GroupCoordinator implements TopicStore.SnapshotSection
{
    static final long TIMER_ID_BIT = 1L << 62;
    static final int MIN_SESSION_TIMEOUT_MS = 1000;
    static final int MAX_SESSION_TIMEOUT_MS = 300_000;
    static final int MAX_HEARTBEAT_INTERVAL_MS = 3000;
    /** While a member waits for partitions another member is giving up, it heartbeats this often. */
    static final int PENDING_HEARTBEAT_INTERVAL_MS = 200;
    private static final System.Logger LOG = System.getLogger(GroupCoordinator.class.getName());

    /** Sends a response on a session's egress. */
    interface Egress
    {
        void send(ClientSession session, DirectBuffer buffer, int length);
    }

    /** The cluster's timers. */
    interface Timers
    {
        void schedule(long correlationId, long deadline);

        void cancel(long correlationId);
    }

    private static final class Member
    {
        final String groupId;
        final String id;
        final long timerId;
        int epoch;
        int sessionTimeoutMs;
        boolean coPartitioned;
        long deadline;
        TreeSet<String> topics = new TreeSet<>();
        TreeSet<TopicPartition> target = new TreeSet<>();
        final TreeSet<TopicPartition> held = new TreeSet<>();

        Member(final String groupId, final String id, final long timerId)
        {
            this.groupId = groupId;
            this.id = id;
            this.timerId = timerId;
        }
    }

    private static final class Group
    {
        final TreeMap<String, Member> members = new TreeMap<>();
        final TreeMap<TopicPartition, Member> holders = new TreeMap<>();
    }

    private final TopicStore store;
    private final Egress egress;
    private final Timers timers;
    private final TreeMap<String, Group> groups = new TreeMap<>();
    private final HashMap<Long, Member> membersByTimer = new HashMap<>();
    private long nextTimerSequence = 1;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final GroupHeartbeatRequestDecoder heartbeatDecoder = new GroupHeartbeatRequestDecoder();
    private final GroupHeartbeatResponseEncoder heartbeatEncoder = new GroupHeartbeatResponseEncoder();
    private final GroupCommitRequestDecoder commitDecoder = new GroupCommitRequestDecoder();
    private final ListGroupsRequestDecoder listDecoder = new ListGroupsRequestDecoder();
    private final ListGroupsResponseEncoder listEncoder = new ListGroupsResponseEncoder();
    private final DescribeGroupRequestDecoder describeDecoder = new DescribeGroupRequestDecoder();
    private final DescribeGroupResponseEncoder describeEncoder = new DescribeGroupResponseEncoder();
    private final ResetOffsetsRequestDecoder resetDecoder = new ResetOffsetsRequestDecoder();
    private final AdminResponseEncoder adminEncoder = new AdminResponseEncoder();
    private final GroupCoordinatorSnapshotDecoder snapshotBeginDecoder = new GroupCoordinatorSnapshotDecoder();
    private final GroupMemberSnapshotDecoder memberSnapshotDecoder = new GroupMemberSnapshotDecoder();
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);

    GroupCoordinator(final TopicStore store, final Egress egress, final Timers timers)
    {
        this.store = store;
        this.egress = egress;
        this.timers = timers;
    }

    static boolean isGroupTemplate(final int templateId)
    {
        return templateId >= GroupHeartbeatRequestDecoder.TEMPLATE_ID && templateId <= 79;
    }

    static boolean isGroupTimer(final long correlationId)
    {
        return (correlationId & TIMER_ID_BIT) != 0;
    }

    /**
     * @return true when the group has a live member, so only its members may commit.
     */
    boolean hasMembers(final String groupId)
    {
        return groups.containsKey(groupId);
    }

    /**
     * Handle a group request (template ids 60-79).
     */
    void onRequest(
        final ClientSession session, final long timestamp, final DirectBuffer request, final int offset,
        final int length)
    {
        headerDecoder.wrap(request, offset);
        final int templateId = headerDecoder.templateId();
        switch (templateId)
        {
            case GroupHeartbeatRequestDecoder.TEMPLATE_ID -> onHeartbeat(session, timestamp, request, offset, length);
            case GroupCommitRequestDecoder.TEMPLATE_ID -> onCommit(session, request, offset, length);
            case ListGroupsRequestDecoder.TEMPLATE_ID -> onListGroups(session, request, offset);
            case DescribeGroupRequestDecoder.TEMPLATE_ID -> onDescribe(session, request, offset, length);
            case ResetOffsetsRequestDecoder.TEMPLATE_ID -> onReset(session, request, offset, length);
            default -> throw new IllegalArgumentException("unknown group request template id " + templateId);
        }
    }

    /**
     * A session timer fired.
     */
    void onTimer(final long correlationId, final long timestamp)
    {
        final Member member = membersByTimer.get(correlationId);
        if (member != null && timestamp >= member.deadline)
        {
            LOG.log(System.Logger.Level.INFO, "group {0}: member {1} missed its heartbeats for {2} ms; removed",
                member.groupId, member.id, member.sessionTimeoutMs);
            remove(member);
        }
    }

    /**
     * Topics were created or deleted: drop what no longer exists and reassign.
     */
    void onTopicsChanged()
    {
        for (final Group group : new ArrayList<>(groups.values()))
        {
            for (final TopicPartition tp : new ArrayList<>(group.holders.keySet()))
            {
                if (!exists(tp))
                {
                    group.holders.remove(tp).held.remove(tp);
                }
            }
            rebalance(group);
        }
    }

    private void onHeartbeat(
        final ClientSession session, final long timestamp, final DirectBuffer request, final int offset,
        final int length)
    {
        final GroupHeartbeatRequestDecoder decoder = heartbeatDecoder.wrapAndApplyHeader(request, offset, headerDecoder);
        final long correlationId = decoder.correlationId();
        final int epoch = decoder.memberEpoch();
        final int sessionTimeoutMs = decoder.sessionTimeoutMs();
        final boolean coPartitioned = decoder.coPartitioned() == BooleanType.TRUE;
        final TreeSet<String> topics = new TreeSet<>();
        for (final GroupHeartbeatRequestDecoder.TopicsDecoder t : decoder.topics())
        {
            topics.add(t.topic());
        }
        final TreeSet<TopicPartition> owned = new TreeSet<>();
        for (final GroupHeartbeatRequestDecoder.OwnedDecoder o : decoder.owned())
        {
            final int partition = o.partition();
            owned.add(new TopicPartition(o.topic(), partition));
        }
        final String groupId = decoder.groupId();
        final String memberId = decoder.memberId();
        checkLimit(decoder.limit(), offset, length);

        if (groupId.isEmpty() || memberId.isEmpty())
        {
            heartbeatError(session, correlationId, ErrorCode.INVALID_REQUEST, "a heartbeat needs a group and member id");
            return;
        }
        Member member = member(groupId, memberId);
        if (epoch < 0)
        {
            if (member != null)
            {
                LOG.log(System.Logger.Level.DEBUG, "group {0}: member {1} left", groupId, memberId);
                remove(member);
            }
            heartbeatError(session, correlationId, ErrorCode.NONE, "");
            return;
        }
        if (epoch == 0)
        {
            if (sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS)
            {
                heartbeatError(session, correlationId, ErrorCode.INVALID_REQUEST, "session timeout " +
                    sessionTimeoutMs + " ms is outside " + MIN_SESSION_TIMEOUT_MS + " to " + MAX_SESSION_TIMEOUT_MS);
                return;
            }
            if (member != null)
            {
                // A join retried, or a member that lost its partitions rejoining: it starts from nothing.
                remove(member);
            }
            member = new Member(groupId, memberId, TIMER_ID_BIT | nextTimerSequence++);
            member.sessionTimeoutMs = sessionTimeoutMs;
            member.coPartitioned = coPartitioned;
            member.topics = topics;
            groups.computeIfAbsent(groupId, g -> new Group()).members.put(memberId, member);
            membersByTimer.put(member.timerId, member);
            rebalance(groups.get(groupId));
            // A joined member's epoch is at least 1 even when it was given nothing: 0 is what joining sends, so a
            // member left at 0 would join again with every heartbeat.
            member.epoch = Math.max(1, member.epoch);
        }
        else
        {
            if (member == null)
            {
                heartbeatError(session, correlationId, ErrorCode.UNKNOWN_MEMBER, "member " + memberId +
                    " is not in group '" + groupId + "' (its session expired or it left): it must rejoin");
                return;
            }
            final Group group = groups.get(groupId);
            for (final TopicPartition tp : new ArrayList<>(member.held))
            {
                if (!member.target.contains(tp) && !owned.contains(tp))
                {
                    release(group, member, tp);
                }
            }
            if (!topics.equals(member.topics))
            {
                member.topics = topics;
                rebalance(group);
            }
        }

        member.deadline = timestamp + member.sessionTimeoutMs;
        timers.schedule(member.timerId, member.deadline);
        final Group group = groups.get(groupId);
        boolean waiting = false;
        for (final TopicPartition tp : member.target)
        {
            final Member holder = group.holders.get(tp);
            if (holder == null)
            {
                group.holders.put(tp, member);
                member.held.add(tp);
            }
            else if (holder != member)
            {
                waiting = true;
            }
        }

        final int interval = Math.min(MAX_HEARTBEAT_INTERVAL_MS, member.sessionTimeoutMs / 4);
        heartbeatEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(ErrorCode.NONE)
            .memberEpoch(member.epoch)
            .heartbeatIntervalMs(waiting ? Math.min(interval, PENDING_HEARTBEAT_INTERVAL_MS) : interval);
        final List<TopicPartition> granted = new ArrayList<>();
        for (final TopicPartition tp : member.target)
        {
            if (member.held.contains(tp))
            {
                granted.add(tp);
            }
        }
        final GroupHeartbeatResponseEncoder.AssignedEncoder out = heartbeatEncoder.assignedCount(granted.size());
        for (final TopicPartition tp : granted)
        {
            out.next().partition(tp.partition()).topic(tp.topic());
        }
        heartbeatEncoder.errorMessage("");
        send(session, heartbeatEncoder.encodedLength());
    }

    private void onCommit(
        final ClientSession session, final DirectBuffer request, final int offset, final int length)
    {
        final GroupCommitRequestDecoder decoder = commitDecoder.wrapAndApplyHeader(request, offset, headerDecoder);
        final long correlationId = decoder.correlationId();
        final TreeMap<TopicPartition, Long> offsets = new TreeMap<>();
        for (final GroupCommitRequestDecoder.OffsetsDecoder o : decoder.offsets())
        {
            final int partition = o.partition();
            final long committed = o.offset();
            offsets.put(new TopicPartition(o.topic(), partition), committed);
        }
        final String groupId = decoder.groupId();
        final String memberId = decoder.memberId();
        checkLimit(decoder.limit(), offset, length);

        final Refusal refusal = checkCommit(groupId, memberId, offsets);
        if (refusal != null)
        {
            admin(session, correlationId, refusal.code(), "commit refused: " + refusal.message());
            return;
        }
        store.commitOffsets(groupId, offsets);
        admin(session, correlationId, ErrorCode.NONE, "");
    }

    /**
     * Whether a commit of these offsets may be applied. A member (memberId not empty) commits only partitions it
     * holds, so a zombie that lost one in a rebalance cannot rewind or skip it. Without a member id the group must
     * have no live members (its partitions are assigned by hand) and the partitions must exist.
     *
     * @return null when the commit may be applied, else why not.
     */
    Refusal checkCommit(
        final String groupId, final String memberId, final Map<TopicPartition, Long> offsets)
    {
        if (groupId.isEmpty())
        {
            return new Refusal(ErrorCode.INVALID_REQUEST, "a commit needs a group id");
        }
        for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
        {
            if (e.getValue() < 0)
            {
                return new Refusal(ErrorCode.OFFSET_OUT_OF_RANGE,
                    "cannot commit negative offset " + e.getValue() + " for " + e.getKey());
            }
        }
        if (memberId.isEmpty())
        {
            if (hasMembers(groupId))
            {
                return new Refusal(ErrorCode.GROUP_NOT_EMPTY, "group '" + groupId +
                    "' has live members: only they commit its offsets (subscribe to join it)");
            }
            for (final TopicPartition tp : offsets.keySet())
            {
                final TopicStore.Topic topic = store.topic(tp.topic());
                if (topic == null)
                {
                    return new Refusal(ErrorCode.UNKNOWN_TOPIC, "unknown topic '" + tp.topic() + "'");
                }
                if (tp.partition() < 0 || tp.partition() >= topic.partitionCount())
                {
                    return new Refusal(ErrorCode.PARTITION_OUT_OF_RANGE,
                        "topic '" + tp.topic() + "' has no partition " + tp.partition());
                }
            }
            return null;
        }

        final Member member = member(groupId, memberId);
        if (member == null)
        {
            return new Refusal(ErrorCode.UNKNOWN_MEMBER, "member " + memberId + " is not in group '" + groupId +
                "' (its session expired or it left); its partitions may have moved to another member");
        }
        for (final TopicPartition tp : offsets.keySet())
        {
            if (!member.held.contains(tp))
            {
                return new Refusal(ErrorCode.FENCED_MEMBER, "member " + memberId + " of group '" + groupId +
                    "' does not hold " + tp + " (it was reassigned)");
            }
        }
        return null;
    }

    /**
     * Why a request is refused.
     */
    record Refusal(ErrorCode code, String message)
    {
    }

    private void onListGroups(final ClientSession session, final DirectBuffer request, final int offset)
    {
        final long correlationId = listDecoder.wrapAndApplyHeader(request, offset, headerDecoder).correlationId();
        final TreeMap<String, Integer> all = new TreeMap<>();
        for (final String groupId : store.groupIds())
        {
            all.put(groupId, 0);
        }
        for (final Map.Entry<String, Group> e : groups.entrySet())
        {
            all.put(e.getKey(), e.getValue().members.size());
        }
        listEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder).correlationId(correlationId).errorCode(ErrorCode.NONE);
        final ListGroupsResponseEncoder.GroupsEncoder out = listEncoder.groupsCount(all.size());
        for (final Map.Entry<String, Integer> e : all.entrySet())
        {
            out.next().memberCount(e.getValue()).groupId(e.getKey());
        }
        send(session, listEncoder.encodedLength());
    }

    private void onDescribe(
        final ClientSession session, final DirectBuffer request, final int offset, final int length)
    {
        final DescribeGroupRequestDecoder decoder = describeDecoder.wrapAndApplyHeader(request, offset, headerDecoder);
        final long correlationId = decoder.correlationId();
        final String groupId = decoder.groupId();
        checkLimit(decoder.limit(), offset, length);

        final Group group = groups.get(groupId);
        final Map<TopicPartition, Long> committed = store.committedOffsets(groupId);
        describeEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder).correlationId(correlationId);
        if (group == null && committed.isEmpty())
        {
            describeEncoder.errorCode(ErrorCode.UNKNOWN_GROUP);
            describeEncoder.membersCount(0);
            describeEncoder.partitionsCount(0);
            describeEncoder.errorMessage("no group '" + groupId + "': it has no members and no committed offsets");
            send(session, describeEncoder.encodedLength());
            return;
        }

        final TreeSet<String> topics = new TreeSet<>();
        for (final TopicPartition tp : committed.keySet())
        {
            topics.add(tp.topic());
        }
        final List<Member> members = group == null ? List.of() : new ArrayList<>(group.members.values());
        for (final Member member : members)
        {
            topics.addAll(member.topics);
        }
        final List<TopicPartition> partitions = new ArrayList<>();
        for (final String topic : topics)
        {
            final TopicStore.Topic state = store.topic(topic);
            for (int p = 0; state != null && p < state.partitionCount(); p++)
            {
                partitions.add(new TopicPartition(topic, p));
            }
        }

        describeEncoder.errorCode(ErrorCode.NONE);
        final DescribeGroupResponseEncoder.MembersEncoder membersOut = describeEncoder.membersCount(members.size());
        for (final Member member : members)
        {
            membersOut.next().memberEpoch(member.epoch).memberId(member.id);
        }
        final DescribeGroupResponseEncoder.PartitionsEncoder out = describeEncoder.partitionsCount(partitions.size());
        for (final TopicPartition tp : partitions)
        {
            final PartitionLog log = store.topic(tp.topic()).log(tp.partition());
            final Long offsetCommitted = committed.get(tp);
            final Member holder = group == null ? null : group.holders.get(tp);
            out.next()
                .partition(tp.partition())
                .committed(offsetCommitted == null ? -1 : offsetCommitted)
                .startOffset(log.startOffset())
                .endOffset(log.endOffset())
                .topic(tp.topic())
                .memberId(holder == null ? "" : holder.id);
        }
        describeEncoder.errorMessage("");
        send(session, describeEncoder.encodedLength());
    }

    private void onReset(final ClientSession session, final DirectBuffer request, final int offset, final int length)
    {
        final ResetOffsetsRequestDecoder decoder = resetDecoder.wrapAndApplyHeader(request, offset, headerDecoder);
        final long correlationId = decoder.correlationId();
        final TreeMap<TopicPartition, Long> offsets = new TreeMap<>();
        for (final ResetOffsetsRequestDecoder.OffsetsDecoder o : decoder.offsets())
        {
            final int partition = o.partition();
            final long value = o.offset();
            offsets.put(new TopicPartition(o.topic(), partition), value);
        }
        final String groupId = decoder.groupId();
        checkLimit(decoder.limit(), offset, length);

        if (groupId.isEmpty())
        {
            admin(session, correlationId, ErrorCode.INVALID_REQUEST, "a reset needs a group id");
            return;
        }
        final Group group = groups.get(groupId);
        if (group != null)
        {
            admin(session, correlationId, ErrorCode.GROUP_NOT_EMPTY, "group '" + groupId + "' has " +
                group.members.size() + " live member(s): offsets can be reset only while it has none " +
                "(stop its consumers, or wait for their sessions to expire)");
            return;
        }
        for (final Map.Entry<TopicPartition, Long> e : offsets.entrySet())
        {
            final TopicPartition tp = e.getKey();
            final TopicStore.Topic topic = store.topic(tp.topic());
            if (topic == null)
            {
                admin(session, correlationId, ErrorCode.UNKNOWN_TOPIC, "unknown topic '" + tp.topic() + "'");
                return;
            }
            if (tp.partition() < 0 || tp.partition() >= topic.partitionCount())
            {
                admin(session, correlationId, ErrorCode.PARTITION_OUT_OF_RANGE,
                    "topic '" + tp.topic() + "' has no partition " + tp.partition());
                return;
            }
            final PartitionLog log = topic.log(tp.partition());
            if (e.getValue() < log.startOffset() || e.getValue() > log.endOffset())
            {
                admin(session, correlationId, ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + e.getValue() +
                    " is outside " + tp + ", which holds offsets " + log.startOffset() + " to its end " +
                    log.endOffset());
                return;
            }
        }
        store.commitOffsets(groupId, offsets);
        admin(session, correlationId, ErrorCode.NONE, "");
    }

    private Member member(final String groupId, final String memberId)
    {
        final Group group = groups.get(groupId);
        return group == null ? null : group.members.get(memberId);
    }

    private void remove(final Member member)
    {
        final Group group = groups.get(member.groupId);
        for (final TopicPartition tp : new ArrayList<>(member.held))
        {
            release(group, member, tp);
        }
        group.members.remove(member.id);
        membersByTimer.remove(member.timerId);
        timers.cancel(member.timerId);
        if (group.members.isEmpty())
        {
            groups.remove(member.groupId);
        }
        else
        {
            rebalance(group);
        }
    }

    private static void release(final Group group, final Member member, final TopicPartition tp)
    {
        member.held.remove(tp);
        if (group.holders.get(tp) == member)
        {
            group.holders.remove(tp);
        }
    }

    private void rebalance(final Group group)
    {
        final TreeMap<String, TreeSet<String>> subscriptions = new TreeMap<>();
        final TreeMap<String, TreeSet<TopicPartition>> current = new TreeMap<>();
        final TreeMap<String, Integer> partitionCounts = new TreeMap<>();
        boolean coPartitioned = false;
        for (final Member member : group.members.values())
        {
            coPartitioned |= member.coPartitioned;
            subscriptions.put(member.id, member.topics);
            current.put(member.id, member.target);
            for (final String topic : member.topics)
            {
                final TopicStore.Topic state = store.topic(topic);
                if (state != null)
                {
                    partitionCounts.put(topic, state.partitionCount());
                }
            }
        }
        final TreeMap<String, TreeSet<TopicPartition>> next =
            coPartitioned ? GroupAssignor.assignCoPartitioned(subscriptions, partitionCounts, current) :
            GroupAssignor.assign(subscriptions, partitionCounts, current);
        for (final Member member : group.members.values())
        {
            final TreeSet<TopicPartition> target = next.get(member.id);
            if (!target.equals(member.target))
            {
                member.target = target;
                member.epoch++;
            }
        }
    }

    private boolean exists(final TopicPartition tp)
    {
        final TopicStore.Topic topic = store.topic(tp.topic());
        return topic != null && tp.partition() < topic.partitionCount();
    }

    private void heartbeatError(
        final ClientSession session, final long correlationId, final ErrorCode code, final String message)
    {
        heartbeatEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(code)
            .memberEpoch(-1)
            .heartbeatIntervalMs(0);
        heartbeatEncoder.assignedCount(0);
        heartbeatEncoder.errorMessage(message);
        send(session, heartbeatEncoder.encodedLength());
    }

    private void admin(final ClientSession session, final long correlationId, final ErrorCode code, final String message)
    {
        adminEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .errorCode(code)
            .errorMessage(message);
        send(session, adminEncoder.encodedLength());
    }

    private void send(final ClientSession session, final int bodyLength)
    {
        egress.send(session, buffer, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
    }

    private static void checkLimit(final int limit, final int offset, final int length)
    {
        if (limit > offset + length)
        {
            throw new IllegalArgumentException("request runs past its message");
        }
    }

    public void writeSnapshot(final ExclusivePublication publication, final IdleStrategy idle)
    {
        final GroupCoordinatorSnapshotEncoder begin = new GroupCoordinatorSnapshotEncoder();
        begin.wrapAndApplyHeader(buffer, 0, headerEncoder).nextTimerSequence(nextTimerSequence).groupCount(groups.size());
        TopicStore.offer(publication, buffer, MessageHeaderEncoder.ENCODED_LENGTH + begin.encodedLength(), idle);

        final GroupMemberSnapshotEncoder encoder = new GroupMemberSnapshotEncoder();
        for (final Group group : groups.values())
        {
            for (final Member member : group.members.values())
            {
                encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                    .memberEpoch(member.epoch)
                    .sessionTimeoutMs(member.sessionTimeoutMs)
                    .timerId(member.timerId)
                    .sessionDeadline(member.deadline)
                    .coPartitioned(member.coPartitioned ? BooleanType.TRUE : BooleanType.FALSE);
                final GroupMemberSnapshotEncoder.TopicsEncoder topicsOut = encoder.topicsCount(member.topics.size());
                for (final String topic : member.topics)
                {
                    topicsOut.next().topic(topic);
                }
                final GroupMemberSnapshotEncoder.TargetEncoder targetOut = encoder.targetCount(member.target.size());
                for (final TopicPartition tp : member.target)
                {
                    targetOut.next().partition(tp.partition()).topic(tp.topic());
                }
                final GroupMemberSnapshotEncoder.HeldEncoder heldOut = encoder.heldCount(member.held.size());
                for (final TopicPartition tp : member.held)
                {
                    heldOut.next().partition(tp.partition()).topic(tp.topic());
                }
                encoder.groupId(member.groupId).memberId(member.id);
                TopicStore.offer(publication, buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength(),
                    idle);
            }
        }
    }

    public boolean onSnapshotFragment(final int templateId, final DirectBuffer snapshot, final int offset)
    {
        headerDecoder.wrap(snapshot, offset);
        if (templateId == GroupCoordinatorSnapshotDecoder.TEMPLATE_ID)
        {
            nextTimerSequence = snapshotBeginDecoder.wrapAndApplyHeader(snapshot, offset, headerDecoder)
                .nextTimerSequence();
            return true;
        }
        if (templateId != GroupMemberSnapshotDecoder.TEMPLATE_ID)
        {
            return false;
        }
        final GroupMemberSnapshotDecoder decoder = memberSnapshotDecoder.wrapAndApplyHeader(
            snapshot, offset, headerDecoder);
        final int epoch = decoder.memberEpoch();
        final int sessionTimeoutMs = decoder.sessionTimeoutMs();
        final long timerId = decoder.timerId();
        final long deadline = decoder.sessionDeadline();
        final boolean coPartitioned = decoder.coPartitioned() == BooleanType.TRUE;
        final TreeSet<String> topics = new TreeSet<>();
        for (final GroupMemberSnapshotDecoder.TopicsDecoder t : decoder.topics())
        {
            topics.add(t.topic());
        }
        final TreeSet<TopicPartition> target = new TreeSet<>();
        for (final GroupMemberSnapshotDecoder.TargetDecoder t : decoder.target())
        {
            final int partition = t.partition();
            target.add(new TopicPartition(t.topic(), partition));
        }
        final TreeSet<TopicPartition> held = new TreeSet<>();
        for (final GroupMemberSnapshotDecoder.HeldDecoder h : decoder.held())
        {
            final int partition = h.partition();
            held.add(new TopicPartition(h.topic(), partition));
        }
        final String groupId = decoder.groupId();
        final Member member = new Member(groupId, decoder.memberId(), timerId);
        member.epoch = epoch;
        member.sessionTimeoutMs = sessionTimeoutMs;
        member.coPartitioned = coPartitioned;
        member.deadline = deadline;
        member.topics = topics;
        member.target = target;
        member.held.addAll(held);
        final Group group = groups.computeIfAbsent(groupId, g -> new Group());
        group.members.put(member.id, member);
        for (final TopicPartition tp : held)
        {
            group.holders.put(tp, member);
        }
        membersByTimer.put(timerId, member);
        return true;
    }

    /** For tests: the partitions the member holds, or null when it is not in the group. */
    TreeSet<TopicPartition> held(final String groupId, final String memberId)
    {
        final Member member = member(groupId, memberId);
        return member == null ? null : new TreeSet<>(member.held);
    }
}
