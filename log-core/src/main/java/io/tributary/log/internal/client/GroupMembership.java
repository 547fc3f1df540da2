package io.tributary.log.internal.client;

import io.tributary.log.ErrorCode;
import io.tributary.log.TopicPartition;
import io.tributary.log.TributaryException;
import io.tributary.log.internal.codecs.AdminResponseDecoder;
import io.tributary.log.internal.codecs.BooleanType;
import io.tributary.log.internal.codecs.GroupHeartbeatRequestEncoder;
import io.tributary.log.internal.codecs.GroupHeartbeatResponseDecoder;
import io.tributary.log.internal.codecs.MessageHeaderDecoder;
import io.tributary.log.internal.codecs.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One consumer's membership of a group: heartbeats on the runtime's conductor thread (a {@link ClientRuntime.Duty}),
 * so a thousand members in a JVM cost no thread each, and a member that is between polls keeps its partitions.
 * <p>
 * Each heartbeat lists the partitions the consumer holds; the answer is the partitions it may hold now. The polling
 * thread reads the latest answer with {@link #assignment()}, gives up and takes partitions, and reports what it
 * holds with {@link #owned}, which sends a heartbeat at once so a given-up partition reaches its new owner quickly.
 * When the cluster no longer knows the member (its session expired), the assignment says so ({@code lost}) and the
 * consumer rejoins with epoch 0 as a new member (its id with a new suffix), so that nothing sent under the old
 * membership can commit for the new one.
 * <p>
 * Threading: {@link #doWork} and the response handler on the conductor thread; the rest from the polling thread.
 * Shared state is guarded by {@code this}.
 */
public final class GroupMembership implements ClientRuntime.Duty
{
    private static final long RETRY_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(500);

    /** What the polling thread acts on: a new version means a new answer from the cluster. */
    public record Assignment(long version, Set<TopicPartition> partitions, boolean lost, String lostReason)
    {
    }

    private final ClientRuntime runtime;
    private final String groupId;
    /** The id the consumer chose; each membership (the first, and each after the cluster forgot one) adds a suffix. */
    private final String baseMemberId;
    private int incarnation;
    private String memberId;
    private final int sessionTimeoutMs;
    private final boolean coPartitioned;
    private final long requestTimeoutNs;
    private final Runnable wakeup;

    // Guarded by this.
    private List<String> topics;
    private Set<TopicPartition> owned = Set.of();
    private boolean ownedChanged;
    private Assignment assignment = new Assignment(0, Set.of(), false, null);
    private int epoch;
    private TributaryException failure;
    private CompletableFuture<Void> leaving;

    // Conductor thread only.
    private boolean inflight;
    private long nextHeartbeatNs;
    private final ExpandableArrayBuffer requestBuffer = new ExpandableArrayBuffer(512);

    /**
     * @param wakeup run on the conductor thread when a new assignment arrives, to wake a waiting poll.
     */
    public GroupMembership(
        final ClientRuntime runtime,
        final String groupId,
        final String memberId,
        final List<String> topics,
        final int sessionTimeoutMs,
        final long requestTimeoutNs,
        final Runnable wakeup)
    {
        this(runtime, groupId, memberId, topics, sessionTimeoutMs, requestTimeoutNs, false, wakeup);
    }

    /**
     * @param coPartitioned ask the group for partition p of every subscribed topic together.
     * @param wakeup        run on the conductor thread when a new assignment arrives, to wake a waiting poll.
     */
    public GroupMembership(
        final ClientRuntime runtime,
        final String groupId,
        final String memberId,
        final List<String> topics,
        final int sessionTimeoutMs,
        final long requestTimeoutNs,
        final boolean coPartitioned,
        final Runnable wakeup)
    {
        this.coPartitioned = coPartitioned;
        this.runtime = runtime;
        this.groupId = groupId;
        this.baseMemberId = memberId;
        this.memberId = memberId;
        this.topics = List.copyOf(new TreeSet<>(topics));
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.requestTimeoutNs = requestTimeoutNs;
        this.wakeup = wakeup;
    }

    public String groupId()
    {
        return groupId;
    }

    public synchronized String memberId()
    {
        return memberId;
    }

    public synchronized int epoch()
    {
        return epoch;
    }

    public synchronized Assignment assignment()
    {
        if (failure != null)
        {
            throw failure;
        }
        return assignment;
    }

    /**
     * The partitions the consumer holds now; told to the cluster at once.
     */
    public synchronized void owned(final Set<TopicPartition> partitions)
    {
        owned = Set.copyOf(partitions);
        ownedChanged = true;
    }

    public synchronized void topics(final List<String> topics)
    {
        this.topics = List.copyOf(new TreeSet<>(topics));
        ownedChanged = true;
    }

    /**
     * Leave the group: it gives this member's partitions to the others at once instead of after its session
     * timeout.
     *
     * @return completed once the cluster confirmed, or when there was nothing to leave.
     */
    public synchronized CompletableFuture<Void> leave()
    {
        if (leaving == null)
        {
            leaving = new CompletableFuture<>();
        }
        return leaving;
    }

    public int doWork(final long nowNs)
    {
        if (inflight)
        {
            return 0;
        }
        final int sendEpoch;
        final List<String> sendTopics;
        final Set<TopicPartition> sendOwned;
        final String sendMemberId;
        synchronized (this)
        {
            if (leaving != null)
            {
                if (leaving.isDone())
                {
                    return 0;
                }
                if (epoch == 0 && assignment.version() == 0)
                {
                    leaving.complete(null);
                    return 1;
                }
                sendEpoch = -1;
            }
            else if (failure != null || (!ownedChanged && nowNs - nextHeartbeatNs < 0))
            {
                return 0;
            }
            else
            {
                sendEpoch = epoch;
            }
            ownedChanged = false;
            sendTopics = topics;
            sendOwned = owned;
            sendMemberId = memberId;
        }

        final long correlationId = runtime.nextCorrelationId();
        final GroupHeartbeatRequestEncoder encoder = new GroupHeartbeatRequestEncoder()
            .wrapAndApplyHeader(requestBuffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .memberEpoch(sendEpoch)
            .sessionTimeoutMs(sessionTimeoutMs)
            .coPartitioned(coPartitioned ? BooleanType.TRUE : BooleanType.FALSE);
        final GroupHeartbeatRequestEncoder.TopicsEncoder topicsOut = encoder.topicsCount(sendTopics.size());
        for (final String topic : sendTopics)
        {
            topicsOut.next().topic(topic);
        }
        final GroupHeartbeatRequestEncoder.OwnedEncoder ownedOut = encoder.ownedCount(sendOwned.size());
        for (final TopicPartition tp : sendOwned)
        {
            ownedOut.next().partition(tp.partition()).topic(tp.topic());
        }
        encoder.groupId(groupId).memberId(sendMemberId);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        // sendToCluster keeps the buffer until it is offered: give it its own copy.
        final ExpandableArrayBuffer message = new ExpandableArrayBuffer(length);
        message.putBytes(0, requestBuffer, 0, length);
        inflight = true;
        runtime.sendToCluster(correlationId, message, length, requestTimeoutNs, new Handler(sendEpoch));
        return 1;
    }

    private final class Handler implements ResponseHandler
    {
        private final int sentEpoch;

        Handler(final int sentEpoch)
        {
            this.sentEpoch = sentEpoch;
        }

        public void onResponse(final DirectBuffer buffer, final int offset, final int length)
        {
            inflight = false;
            final long nowNs = System.nanoTime();
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
            if (header.templateId() == AdminResponseDecoder.TEMPLATE_ID)
            {
                final AdminResponseDecoder admin = new AdminResponseDecoder().wrapAndApplyHeader(buffer, offset, header);
                fail(ClusterRequests.errorCode(admin.errorCode()), admin.errorMessage());
                return;
            }
            final GroupHeartbeatResponseDecoder decoder =
                new GroupHeartbeatResponseDecoder().wrapAndApplyHeader(buffer, offset, header);
            final var code = decoder.errorCode();
            final int newEpoch = decoder.memberEpoch();
            final int intervalMs = decoder.heartbeatIntervalMs();
            final TreeSet<TopicPartition> assigned = new TreeSet<>();
            for (final GroupHeartbeatResponseDecoder.AssignedDecoder a : decoder.assigned())
            {
                final int partition = a.partition();
                assigned.add(new TopicPartition(a.topic(), partition));
            }
            final String message = decoder.errorMessage();

            synchronized (GroupMembership.this)
            {
                if (sentEpoch < 0)
                {
                    epoch = 0;
                    assignment = new Assignment(assignment.version() + 1, Set.of(), false, null);
                    leaving.complete(null);
                }
                else if (code == io.tributary.log.internal.codecs.ErrorCode.NONE)
                {
                    epoch = newEpoch;
                    nextHeartbeatNs = nowNs + TimeUnit.MILLISECONDS.toNanos(Math.max(50, intervalMs));
                    if (!assigned.equals(assignment.partitions()) || assignment.lost())
                    {
                        assignment = new Assignment(assignment.version() + 1, Set.copyOf(assigned), false, null);
                    }
                }
                else if (code == io.tributary.log.internal.codecs.ErrorCode.UNKNOWN_MEMBER ||
                    code == io.tributary.log.internal.codecs.ErrorCode.FENCED_MEMBER)
                {
                    epoch = 0;
                    nextHeartbeatNs = nowNs;
                    assignment = new Assignment(assignment.version() + 1, Set.of(), true, message);
                    // Rejoin as a new member: anything still on its way under the old id (a commit in an append
                    // sent before a network cut and retried after) is refused as UNKNOWN_MEMBER, even once this
                    // consumer holds the same partitions again.
                    memberId = baseMemberId + "." + ++incarnation;
                }
                else
                {
                    failure = new TributaryException(ClusterRequests.errorCode(code), "group '" + groupId + "': " +
                        message);
                }
            }
            wakeup.run();
        }

        public void onFailure(final ErrorCode code, final String message)
        {
            inflight = false;
            synchronized (GroupMembership.this)
            {
                if (code == ErrorCode.CLOSED && leaving != null)
                {
                    leaving.complete(null);
                }
                nextHeartbeatNs = System.nanoTime() + RETRY_DELAY_NS;
            }
        }

        private void fail(final ErrorCode code, final String message)
        {
            synchronized (GroupMembership.this)
            {
                failure = new TributaryException(code, "group '" + groupId + "': " + message);
                if (leaving != null)
                {
                    leaving.complete(null);
                }
            }
            wakeup.run();
        }
    }
}
