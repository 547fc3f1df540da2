package io.tributary.log;

import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.codecs.OffsetSpec;
import io.tributary.log.internal.security.Scram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Manage topics and read the cluster's state. Every call waits for the cluster's answer and throws a
 * {@link TributaryException} saying why when it is refused.
 * <p>
 * Thread-safe. Close it when done.
 */
public final class Admin implements AutoCloseable
{
    private final ClientRuntime runtime;
    private final ClusterRequests requests;
    private boolean closed;

    private Admin(final String cluster, final Duration requestTimeout, final Credentials credentials)
    {
        this.runtime = ClientRuntime.acquire(cluster, credentials);
        this.requests = new ClusterRequests(runtime, requestTimeout);
    }

    /**
     * @param cluster members list, e.g. {@code "0=127.0.0.1:9100,1=127.0.0.1:9200,2=127.0.0.1:9300"}.
     * @return an admin client with a 30 s request timeout.
     */
    public static Admin create(final String cluster)
    {
        return new Admin(cluster, Duration.ofSeconds(30), null);
    }

    public static Admin create(final String cluster, final Duration requestTimeout)
    {
        return new Admin(cluster, requestTimeout, null);
    }

    /**
     * @param credentials who to authenticate as; null for nobody (a cluster with security on refuses that).
     * @return an admin client with a 30 s request timeout.
     */
    public static Admin create(final String cluster, final Credentials credentials)
    {
        return new Admin(cluster, Duration.ofSeconds(30), credentials);
    }

    public static Admin create(final String cluster, final Duration requestTimeout, final Credentials credentials)
    {
        return new Admin(cluster, requestTimeout, credentials);
    }

    /**
     * Create a user, or change its password. The SCRAM-SHA-256 credential (salt, 4096 iterations, StoredKey,
     * ServerKey) is computed here: the password never leaves this process. Super users only when security is on.
     *
     * @param password the password; this method does not keep it, the caller may clear it after.
     */
    public void upsertUser(final String name, final char[] password)
    {
        if (!Scram.isValidUserName(name))
        {
            throw new TributaryException(ErrorCode.INVALID_REQUEST,
                "invalid user name '" + name + "': use 1 to 128 of A-Z a-z 0-9 . _ @ -");
        }
        if (password.length == 0)
        {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "empty password");
        }
        requests.await(requests.upsertUser(name, Scram.credential(password, Scram.DEFAULT_ITERATIONS)));
    }

    public void deleteUser(final String name)
    {
        requests.await(requests.deleteUser(name));
    }

    /**
     * @return the users the cluster holds (not the nodes' bootstrap admins), by name, with their credentials'
     *         iteration counts.
     */
    public Map<String, Integer> listUsers()
    {
        return requests.await(requests.listUsers());
    }

    /**
     * @throws TributaryException with INVALID_REQUEST when the rule exists already.
     */
    public void createAcl(final Acl acl)
    {
        requests.await(requests.alterAcl(acl, false));
    }

    /**
     * @throws TributaryException with INVALID_REQUEST when there is no such rule.
     */
    public void deleteAcl(final Acl acl)
    {
        requests.await(requests.alterAcl(acl, true));
    }

    /**
     * @param principal whose rules; null or empty for everyone's.
     */
    public List<Acl> listAcls(final String principal)
    {
        return requests.await(requests.listAcls(principal == null ? "" : principal));
    }

    public void createTopic(final NewTopic topic)
    {
        requests.await(requests.createTopic(topic.name(), topic.partitions(), topic.configs()));
    }

    /**
     * Change configs of a running topic, e.g. {@code retention.ms} or {@code cleanup.policy}; the others keep their
     * values. Retention applies from the cluster's next check, segment settings from the next roll.
     *
     * @throws TributaryException with UNKNOWN_TOPIC, or INVALID_CONFIG naming the bad key or value.
     */
    public void alterTopicConfigs(final String name, final Map<String, String> configs)
    {
        requests.await(requests.alterTopicConfigs(name, configs));
    }

    public void deleteTopic(final String name)
    {
        requests.await(requests.deleteTopic(name));
    }

    /**
     * @return every topic name, sorted.
     */
    public Set<String> listTopics()
    {
        return requests.await(requests.metadata(List.of())).keySet();
    }

    /**
     * @return the topic's partitions with their start and end offsets, and its configs.
     * @throws TributaryException with UNKNOWN_TOPIC when it does not exist.
     */
    public TopicDescription describeTopic(final String name)
    {
        return requests.await(requests.metadata(List.of(name))).get(name);
    }

    /**
     * @return descriptions of the named topics, or of every topic when none is named.
     */
    public Map<String, TopicDescription> describeTopics(final Collection<String> names)
    {
        return requests.await(requests.metadata(names));
    }

    /**
     * @return the first offset each partition still holds.
     */
    public Map<TopicPartition, Long> startOffsets(final Collection<TopicPartition> partitions)
    {
        return offsets(partitions, OffsetSpec.EARLIEST, 0);
    }

    /**
     * @return the offset the next record of each partition will get.
     */
    public Map<TopicPartition, Long> endOffsets(final Collection<TopicPartition> partitions)
    {
        return offsets(partitions, OffsetSpec.LATEST, 0);
    }

    /**
     * @return per partition, the first offset whose record timestamp is at or after {@code timestampMs}, or -1
     *         when there is none.
     */
    public Map<TopicPartition, Long> offsetsForTimes(
        final Collection<TopicPartition> partitions, final long timestampMs)
    {
        return offsets(partitions, OffsetSpec.TIMESTAMP, timestampMs);
    }

    /**
     * @return the committed offsets of a consumer group, by partition.
     */
    public Map<TopicPartition, Long> committedOffsets(final String groupId)
    {
        return requests.await(requests.committedOffsets(groupId, List.of()));
    }

    /**
     * @return the groups with live members or committed offsets, by id.
     */
    public List<GroupListing> listGroups()
    {
        return requests.await(requests.listGroups());
    }

    /**
     * @return the group's live members and, per partition of the topics it subscribes to or has committed for, the
     *         committed offset, the end offset, the lag and the member holding it; for a group with no live
     *         member too.
     * @throws TributaryException with UNKNOWN_GROUP when the group has neither members nor committed offsets.
     */
    public GroupDescription describeGroup(final String groupId)
    {
        return requests.await(requests.describeGroup(groupId));
    }

    /**
     * Move a group's committed offsets for every partition of a topic. Allowed only while the group has no live
     * member: refused with GROUP_NOT_EMPTY otherwise.
     *
     * @return the new committed offset of each partition.
     * @throws TributaryException with OFFSET_OUT_OF_RANGE when an explicit offset is outside a partition.
     */
    public Map<TopicPartition, Long> resetOffsets(final String groupId, final String topic, final ResetTo to)
    {
        final int partitions = describeTopic(topic).partitions().size();
        final List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++)
        {
            all.add(new TopicPartition(topic, p));
        }
        final Map<TopicPartition, Long> offsets = switch (to.kind())
        {
            case EARLIEST -> startOffsets(all);
            case LATEST -> endOffsets(all);
            case OFFSET ->
            {
                final Map<TopicPartition, Long> same = new TreeMap<>();
                all.forEach(tp -> same.put(tp, to.value()));
                yield same;
            }
            case TIME ->
            {
                final Map<TopicPartition, Long> byTime = new TreeMap<>(offsetsForTimes(all, to.value()));
                final Map<TopicPartition, Long> ends = endOffsets(all);
                byTime.replaceAll((tp, offset) -> offset >= 0 ? offset : ends.get(tp));
                yield byTime;
            }
        };
        requests.await(requests.resetOffsets(groupId, offsets));
        return offsets;
    }

    /**
     * @return one status per member, in members-list order; a node that does not answer within 1 s is DOWN.
     */
    public List<NodeStatus> clusterStatus()
    {
        final List<CompletableFuture<NodeStatus>> futures = new ArrayList<>();
        for (final ClusterMembers.Member member : runtime.members().members())
        {
            futures.add(requests.nodeStatus(member.id(), Duration.ofSeconds(1)));
        }
        final List<NodeStatus> result = new ArrayList<>();
        for (final CompletableFuture<NodeStatus> future : futures)
        {
            result.add(requests.await(future));
        }
        return result;
    }

    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            runtime.release();
        }
    }

    private Map<TopicPartition, Long> offsets(
        final Collection<TopicPartition> partitions, final OffsetSpec spec, final long timestamp)
    {
        final Map<TopicPartition, CompletableFuture<Long>> futures = new TreeMap<>();
        for (final TopicPartition tp : partitions)
        {
            futures.put(tp, requests.listOffset(tp, spec, timestamp));
        }
        final Map<TopicPartition, Long> result = new TreeMap<>();
        for (final Map.Entry<TopicPartition, CompletableFuture<Long>> e : futures.entrySet())
        {
            result.put(e.getKey(), requests.await(e.getValue()));
        }
        return result;
    }
}
