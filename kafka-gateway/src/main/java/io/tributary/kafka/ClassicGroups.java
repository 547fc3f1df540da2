package io.tributary.kafka;

import io.tributary.log.TopicPartition;
import io.tributary.log.internal.client.ClientRuntime;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup; group.protocol=classic) with Tributary's
 * group as the source of truth. The gateway is the classic coordinator of the group; each Kafka member is a
 * Tributary group member for which the gateway heartbeats the cluster, while the Kafka member heartbeats the
 * gateway:
 * <ul>
 *   <li>JoinGroup: a member (given an id first, MEMBER_ID_REQUIRED) joins holding nothing, as the eager protocol
 *       has it revoke everything before it rejoins. The join completes, for every member of the group at once (the
 *       generation barrier), once every known member has rejoined and Tributary grants each its whole target.</li>
 *   <li>SyncGroup hands each member the partitions Tributary granted it, encoded as kafka-clients'
 *       {@link ConsumerProtocol} assignment. Whatever the leader's assignor proposed is ignored: the cluster's
 *       assignor decides, as for every other member of the group.</li>
 *   <li>Heartbeat answers REBALANCE_IN_PROGRESS once Tributary's answer for a member changes (another member
 *       joined or left, a topic grew), so every member rejoins.</li>
 *   <li>A member that stops heartbeating for its session timeout, or does not rejoin within the rebalance timeout,
 *       is removed and leaves the Tributary group; LeaveGroup does so at once.</li>
 * </ul>
 * Only eager assignors are offered to members (range, roundrobin, sticky): the protocol chosen is the first of
 * those the member lists, and a member that lists only cooperative-sticky is refused INCONSISTENT_GROUP_PROTOCOL.
 * The state is in this gateway only: a classic group is served by one gateway (FindCoordinator names the one
 * asked, so clients of a group must share a gateway).
 * <p>
 * Threading: requests from the selector thread; heartbeat answers and the tick ({@link #doWork}, a duty of the
 * client runtime) on the client conductor thread; all state is guarded by {@code this}, and futures are completed
 * outside it.
 */
final class ClassicGroups implements ClientRuntime.Duty
{
    private static final Set<String> EAGER = Set.of("range", "roundrobin", "sticky");
    /** The session timeouts Tributary's groups accept. */
    private static final int MIN_SESSION_TIMEOUT_MS = 1000;
    private static final int MAX_SESSION_TIMEOUT_MS = 300_000;
    /** The cluster's heartbeat interval: a quarter of the session timeout, at most this. */
    private static final int MAX_HEARTBEAT_INTERVAL_MS = 3000;
    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private enum State
    {
        REBALANCING, STABLE
    }

    private static final class Member
    {
        final String id;
        int sessionTimeoutMs;
        int rebalanceTimeoutMs;
        String protocol;
        byte[] metadata;
        List<String> topics = List.of();
        long lastSeenNs;
        boolean joined;
        CompletableFuture<ApiMessage> pendingJoin;
        /** What the Kafka member holds, as told to Tributary. */
        Set<TopicPartition> owned = Set.of();
        /** The partitions handed out in the current generation. */
        Set<TopicPartition> assigned = Set.of();
        // From the last Tributary heartbeat answer.
        boolean inTributary;
        int tributaryEpoch;
        Set<TopicPartition> granted = Set.of();
        boolean waiting = true;
        boolean answeredSinceJoin;
        boolean inflight;
        long nextHeartbeatNs;

        Member(final String id)
        {
            this.id = id;
        }
    }

    private static final class Group
    {
        final String id;
        final Map<String, Member> members = new LinkedHashMap<>();
        State state = State.STABLE;
        int generation;
        String leader;
        long rebalanceDeadlineNs;

        Group(final String id)
        {
            this.id = id;
        }
    }

    private final GroupHandler groups;
    private final Map<String, Group> byId = new HashMap<>();
    private long nextTickNs;

    ClassicGroups(final ClientRuntime runtime, final GroupHandler groups)
    {
        this.groups = groups;
        runtime.addDuty(this);
    }

    /**
     * @return whether this gateway serves the group with the classic protocol.
     */
    synchronized boolean serves(final String groupId)
    {
        return byId.containsKey(groupId);
    }

    public int doWork(final long nowNs)
    {
        if (nowNs - nextTickNs < 0)
        {
            return 0;
        }
        nextTickNs = nowNs + TICK_NS;
        tick();
        return 1;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // JoinGroup

    CompletableFuture<ApiMessage> joinGroup(final JoinGroupRequestData request, final short version,
        final String clientId)
    {
        final JoinGroupResponseData response = new JoinGroupResponseData().setProtocolType("consumer");
        if (request.groupInstanceId() != null)
        {
            return done(response.setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setMemberId(request.memberId()));
        }
        String protocol = null;
        byte[] metadata = null;
        for (final JoinGroupRequestData.JoinGroupRequestProtocol p : request.protocols())
        {
            if (protocol == null && EAGER.contains(p.name()))
            {
                protocol = p.name();
                metadata = p.metadata();
            }
        }
        if (!"consumer".equals(request.protocolType()) || protocol == null)
        {
            return done(response.setErrorCode(Errors.INCONSISTENT_GROUP_PROTOCOL.code())
                .setMemberId(request.memberId()));
        }
        if (request.sessionTimeoutMs() < MIN_SESSION_TIMEOUT_MS || request.sessionTimeoutMs() > MAX_SESSION_TIMEOUT_MS)
        {
            return done(response.setErrorCode(Errors.INVALID_SESSION_TIMEOUT.code()).setMemberId(request.memberId()));
        }
        final List<String> topics;
        try
        {
            topics = List.copyOf(new TreeSet<>(
                ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata)).topics()));
        }
        catch (final RuntimeException e)
        {
            return done(response.setErrorCode(Errors.INCONSISTENT_GROUP_PROTOCOL.code())
                .setMemberId(request.memberId()));
        }
        final CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        synchronized (this)
        {
            final Group group = byId.computeIfAbsent(request.groupId(), Group::new);
            String memberId = request.memberId();
            if (memberId.isEmpty())
            {
                memberId = clientId + "-" + UUID.randomUUID();
                if (version >= 4)
                {
                    return done(response.setErrorCode(Errors.MEMBER_ID_REQUIRED.code()).setMemberId(memberId));
                }
            }
            Member member = group.members.get(memberId);
            if (member == null)
            {
                member = new Member(memberId);
                group.members.put(memberId, member);
            }
            if (member.pendingJoin != null)
            {
                member.pendingJoin.complete(new JoinGroupResponseData().setProtocolType("consumer")
                    .setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()).setMemberId(memberId).setGenerationId(-1));
            }
            groups.clientId(group.id, memberId, clientId);
            member.sessionTimeoutMs = request.sessionTimeoutMs();
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs() :
                request.sessionTimeoutMs();
            member.protocol = protocol;
            member.metadata = metadata;
            member.topics = topics;
            member.lastSeenNs = System.nanoTime();
            member.joined = true;
            member.pendingJoin = future;
            // The eager protocol revoked everything before this join.
            member.owned = Set.of();
            member.answeredSinceJoin = false;
            member.nextHeartbeatNs = 0;
            prepareRebalance(group);
        }
        tick();
        return future;
    }

    private void prepareRebalance(final Group group)
    {
        if (group.state != State.REBALANCING)
        {
            group.state = State.REBALANCING;
            int timeoutMs = 0;
            for (final Member m : group.members.values())
            {
                timeoutMs = Math.max(timeoutMs, m.rebalanceTimeoutMs);
                if (m.pendingJoin == null)
                {
                    m.joined = false;
                }
            }
            group.rebalanceDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        }
    }

    /**
     * Under the lock: complete the join of every member once all rejoined and Tributary granted each its target.
     */
    private void maybeCompleteJoin(final Group group, final List<Runnable> completions, final long nowNs)
    {
        if (group.state != State.REBALANCING || group.members.isEmpty())
        {
            return;
        }
        if (nowNs - group.rebalanceDeadlineNs > 0)
        {
            // Members that did not rejoin in time are out.
            for (final Member m : new ArrayList<>(group.members.values()))
            {
                if (!m.joined)
                {
                    remove(group, m, completions);
                }
            }
            if (group.members.isEmpty())
            {
                return;
            }
        }
        for (final Member m : group.members.values())
        {
            if (!m.joined || !m.answeredSinceJoin || m.waiting)
            {
                return;
            }
        }
        group.generation++;
        group.state = State.STABLE;
        group.leader = group.members.keySet().iterator().next();
        final Member leader = group.members.get(group.leader);
        for (final Member m : group.members.values())
        {
            m.assigned = m.granted;
            final JoinGroupResponseData response = new JoinGroupResponseData()
                .setErrorCode(Errors.NONE.code())
                .setGenerationId(group.generation)
                .setProtocolType("consumer")
                .setProtocolName(leader.protocol)
                .setLeader(group.leader)
                .setMemberId(m.id);
            if (m.id.equals(group.leader))
            {
                for (final Member other : group.members.values())
                {
                    response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(other.id).setMetadata(other.metadata));
                }
            }
            final CompletableFuture<ApiMessage> pending = m.pendingJoin;
            m.pendingJoin = null;
            completions.add(() -> pending.complete(response));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SyncGroup, Heartbeat, LeaveGroup

    CompletableFuture<ApiMessage> syncGroup(final SyncGroupRequestData request)
    {
        final SyncGroupResponseData response = new SyncGroupResponseData().setProtocolType("consumer");
        synchronized (this)
        {
            final Group group = byId.get(request.groupId());
            final Member member = group == null ? null : group.members.get(request.memberId());
            if (member == null)
            {
                return done(response.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            }
            if (group.state == State.REBALANCING)
            {
                return done(response.setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
            }
            if (request.generationId() != group.generation)
            {
                return done(response.setErrorCode(Errors.ILLEGAL_GENERATION.code()));
            }
            member.lastSeenNs = System.nanoTime();
            member.owned = member.assigned;
            final List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            member.assigned.forEach(tp ->
                partitions.add(new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition())));
            return done(response.setErrorCode(Errors.NONE.code()).setProtocolName(member.protocol)
                .setAssignment(Utils.toArray(ConsumerProtocol.serializeAssignment(
                    new ConsumerPartitionAssignor.Assignment(partitions)))));
        }
    }

    CompletableFuture<ApiMessage> heartbeat(final HeartbeatRequestData request)
    {
        final HeartbeatResponseData response = new HeartbeatResponseData();
        synchronized (this)
        {
            final Group group = byId.get(request.groupId());
            final Member member = group == null ? null : group.members.get(request.memberId());
            if (member == null)
            {
                return done(response.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            }
            member.lastSeenNs = System.nanoTime();
            if (group.state == State.REBALANCING)
            {
                return done(response.setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
            }
            if (request.generationId() != group.generation)
            {
                return done(response.setErrorCode(Errors.ILLEGAL_GENERATION.code()));
            }
            return done(response.setErrorCode(Errors.NONE.code()));
        }
    }

    CompletableFuture<ApiMessage> leaveGroup(final LeaveGroupRequestData request, final short version)
    {
        final LeaveGroupResponseData response = new LeaveGroupResponseData().setErrorCode(Errors.NONE.code());
        final List<String> ids = new ArrayList<>();
        if (version < 3)
        {
            ids.add(request.memberId());
        }
        else
        {
            request.members().forEach(m -> ids.add(m.memberId()));
        }
        final List<Runnable> completions = new ArrayList<>();
        synchronized (this)
        {
            final Group group = byId.get(request.groupId());
            for (final String id : ids)
            {
                final Member member = group == null ? null : group.members.get(id);
                if (member != null)
                {
                    remove(group, member, completions);
                }
                if (version >= 3)
                {
                    response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(id)
                        .setErrorCode(member == null ? Errors.UNKNOWN_MEMBER_ID.code() : Errors.NONE.code()));
                }
                else if (member == null)
                {
                    response.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
                }
            }
        }
        completions.forEach(Runnable::run);
        tick();
        return done(response);
    }

    /**
     * Under the lock: the member is gone from the group here and in Tributary; the others rebalance.
     */
    private void remove(final Group group, final Member member, final List<Runnable> completions)
    {
        group.members.remove(member.id);
        groups.clientId(group.id, member.id, null);
        if (member.pendingJoin != null)
        {
            final CompletableFuture<ApiMessage> pending = member.pendingJoin;
            completions.add(() -> pending.complete(new JoinGroupResponseData().setProtocolType("consumer")
                .setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()).setMemberId(member.id).setGenerationId(-1)));
        }
        groups.tributaryHeartbeat(group.id, member.id, -1, 0, List.of(), Set.of());
        if (group.members.isEmpty())
        {
            byId.remove(group.id);
        }
        else
        {
            prepareRebalance(group);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tributary heartbeats and sessions

    private void tick()
    {
        final List<Runnable> completions = new ArrayList<>();
        synchronized (this)
        {
            final long nowNs = System.nanoTime();
            for (final Group group : new ArrayList<>(byId.values()))
            {
                for (final Member member : new ArrayList<>(group.members.values()))
                {
                    if (member.pendingJoin == null &&
                        nowNs - member.lastSeenNs > TimeUnit.MILLISECONDS.toNanos(member.sessionTimeoutMs))
                    {
                        remove(group, member, completions);
                        continue;
                    }
                    if (!member.inflight && nowNs - member.nextHeartbeatNs >= 0)
                    {
                        sendHeartbeat(group, member);
                    }
                }
                maybeCompleteJoin(group, completions, nowNs);
            }
        }
        completions.forEach(Runnable::run);
    }

    private void sendHeartbeat(final Group group, final Member member)
    {
        member.inflight = true;
        final Set<TopicPartition> sentOwned = member.owned;
        final boolean sentAfterJoin = member.joined && member.pendingJoin != null;
        // Epoch 0 joins the Tributary group; after that the epoch the cluster answered (at least 1).
        final int epoch = member.inTributary ? member.tributaryEpoch : 0;
        groups.tributaryHeartbeat(group.id, member.id, epoch, member.sessionTimeoutMs, member.topics, sentOwned)
            .whenComplete((answer, ex) ->
            {
                synchronized (this)
                {
                    member.inflight = false;
                    if (group.members.get(member.id) != member)
                    {
                        return;
                    }
                    final long nowNs = System.nanoTime();
                    if (ex != null)
                    {
                        member.nextHeartbeatNs = nowNs + TimeUnit.MILLISECONDS.toNanos(500);
                        return;
                    }
                    if (answer.code() != io.tributary.log.internal.codecs.ErrorCode.NONE)
                    {
                        // Tributary forgot the member (its session expired there): it joins again from nothing.
                        member.inTributary = false;
                        member.nextHeartbeatNs = nowNs;
                        prepareRebalance(group);
                        return;
                    }
                    // The cluster shortens the interval while the member waits for partitions others still hold.
                    final int fullInterval = Math.min(MAX_HEARTBEAT_INTERVAL_MS, member.sessionTimeoutMs / 4);
                    member.waiting = answer.intervalMs() < fullInterval;
                    member.inTributary = true;
                    member.tributaryEpoch = answer.epoch();
                    member.granted = answer.assigned();
                    if (sentAfterJoin)
                    {
                        member.answeredSinceJoin = true;
                    }
                    member.nextHeartbeatNs = nowNs + TimeUnit.MILLISECONDS.toNanos(
                        group.state == State.REBALANCING ? 100 : Math.max(100, answer.intervalMs()));
                    // Tributary's assignment moved (a member joined or left, a topic grew): every member rejoins.
                    if (group.state == State.STABLE && (member.waiting || !member.granted.equals(member.assigned)))
                    {
                        prepareRebalance(group);
                    }
                }
            });
    }

    private static CompletableFuture<ApiMessage> done(final ApiMessage response)
    {
        return CompletableFuture.completedFuture(response);
    }
}
