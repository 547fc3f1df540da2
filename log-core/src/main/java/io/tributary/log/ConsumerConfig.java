package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;

import java.time.Duration;
import java.util.Objects;

/**
 * Consumer settings, named after Kafka's where they mean the same. Immutable; build with {@link #builder()}.
 *
 * @param cluster              members list, e.g. {@code "0=127.0.0.1:9100"}.
 * @param groupId              the group whose committed offsets this consumer reads and commits; null for none.
 * @param autoOffsetReset      where to start a partition with no committed offset, and where to go when the
 *                             position falls out of the partition's range ({@code auto.offset.reset}).
 * @param fetchMaxBytes        bytes one partition's fetch may return ({@code max.partition.fetch.bytes}); one
 *                             whole batch is returned even if larger.
 * @param fetchMaxWait         how long the server may hold a fetch that has nothing yet ({@code fetch.max.wait.ms}).
 * @param requestTimeout       how long to wait for the cluster's answer ({@code request.timeout.ms}).
 * @param sessionTimeout       with {@link Consumer#subscribe}: how long the group waits for a heartbeat before it
 *                             removes the member and moves its partitions ({@code session.timeout.ms}); 1 s to 5 min.
 * @param enableAutoCommit     with {@link Consumer#subscribe}: commit the positions of what {@code poll} returned,
 *                             every {@code autoCommitInterval} (from within {@code poll}), before giving up a
 *                             partition, and on close ({@code enable.auto.commit}); at-least-once.
 * @param autoCommitInterval   how often auto-commit commits ({@code auto.commit.interval.ms}).
 * @param partitionAssignment  with {@link Consumer#subscribe}: how the group spreads partitions over its members
 *                             ({@code partition.assignment.strategy}); the group co-partitions while any member
 *                             asks for it.
 * @param credentials    who to authenticate as; null for nobody.
 */
public record ConsumerConfig(
    String cluster,
    String groupId,
    OffsetReset autoOffsetReset,
    int fetchMaxBytes,
    Duration fetchMaxWait,
    Duration requestTimeout,
    Duration sessionTimeout,
    boolean enableAutoCommit,
    Duration autoCommitInterval,
    PartitionAssignment partitionAssignment,
    Credentials credentials)
{
    /** How a group spreads partitions over its members. */
    public enum PartitionAssignment
    {
        /**
         * Balanced to within one partition, sticky: a member keeps what it has, and only what must move moves.
         */
        BALANCED,
        /**
         * By partition number: a member gets partition p of every topic it subscribes to, or of none, so records
         * keyed alike in several topics (a stream and a table, an input and its repartition topic) meet in one
         * member. Partition numbers are balanced and sticky as {@link #BALANCED} balances partitions.
         */
        CO_PARTITIONED
    }

    /** Where to start reading a partition that has no valid position. */
    public enum OffsetReset
    {
        /** The first offset the partition still holds. */
        EARLIEST,
        /** The end: only records written from now on. */
        LATEST,
        /** Fail the poll with {@link ErrorCode#OFFSET_OUT_OF_RANGE}. */
        NONE
    }

    public ConsumerConfig
    {
        Objects.requireNonNull(cluster, "cluster");
        ClusterMembers.parse(cluster);
        Objects.requireNonNull(autoOffsetReset, "autoOffsetReset");
        if (fetchMaxBytes < 1024 || fetchMaxBytes > 1024 * 1024)
        {
            throw new IllegalArgumentException("fetchMaxBytes must be between 1 KiB and 1 MiB: " + fetchMaxBytes);
        }
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(autoCommitInterval, "autoCommitInterval");
        Objects.requireNonNull(partitionAssignment, "partitionAssignment");
        if (sessionTimeout.toMillis() < 1000 || sessionTimeout.toMillis() > 300_000)
        {
            throw new IllegalArgumentException("sessionTimeout must be between 1 s and 5 min: " + sessionTimeout);
        }
        if (autoCommitInterval.isNegative() || autoCommitInterval.isZero())
        {
            throw new IllegalArgumentException("autoCommitInterval must be positive: " + autoCommitInterval);
        }
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Defaults: single-node cluster, no group, reset to latest, 1 MiB per partition fetch, 500 ms max wait, 30 s
     * request timeout, 10 s session timeout, auto-commit every 5 s.
     */
    public static final class Builder
    {
        private Credentials credentials;

        /**
         * @param credentials who to authenticate as ({@link Credentials#fromFile},
         *                    {@link Credentials#fromEnvironment}); null, the default, for the process's default
         *                    ({@link Credentials#setProcessDefault}), else nobody.
         * @return this.
         */
        public Builder credentials(final Credentials credentials)
        {
            this.credentials = credentials;
            return this;
        }

        private String cluster = ClusterMembers.DEFAULT;
        private String groupId;
        private OffsetReset autoOffsetReset = OffsetReset.LATEST;
        private int fetchMaxBytes = 1024 * 1024;
        private Duration fetchMaxWait = Duration.ofMillis(500);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration sessionTimeout = Duration.ofSeconds(10);
        private PartitionAssignment partitionAssignment = PartitionAssignment.BALANCED;
        private boolean enableAutoCommit = true;
        private Duration autoCommitInterval = Duration.ofSeconds(5);

        public Builder cluster(final String cluster)
        {
            this.cluster = cluster;
            return this;
        }

        public Builder groupId(final String groupId)
        {
            this.groupId = groupId;
            return this;
        }

        public Builder autoOffsetReset(final OffsetReset autoOffsetReset)
        {
            this.autoOffsetReset = autoOffsetReset;
            return this;
        }

        public Builder fetchMaxBytes(final int fetchMaxBytes)
        {
            this.fetchMaxBytes = fetchMaxBytes;
            return this;
        }

        public Builder fetchMaxWait(final Duration fetchMaxWait)
        {
            this.fetchMaxWait = fetchMaxWait;
            return this;
        }

        public Builder requestTimeout(final Duration requestTimeout)
        {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder sessionTimeout(final Duration sessionTimeout)
        {
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        public Builder enableAutoCommit(final boolean enableAutoCommit)
        {
            this.enableAutoCommit = enableAutoCommit;
            return this;
        }

        public Builder partitionAssignment(final PartitionAssignment partitionAssignment)
        {
            this.partitionAssignment = partitionAssignment;
            return this;
        }

        public Builder autoCommitInterval(final Duration autoCommitInterval)
        {
            this.autoCommitInterval = autoCommitInterval;
            return this;
        }

        public ConsumerConfig build()
        {
            return new ConsumerConfig(cluster, groupId, autoOffsetReset, fetchMaxBytes, fetchMaxWait, requestTimeout,
                sessionTimeout, enableAutoCommit, autoCommitInterval, partitionAssignment, credentials);
        }
    }
}
