package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group state is replicated state: members, their partitions and committed offsets come back after a restart from
 * the log (SIGKILL) and from a snapshot (clean stop), and a live member carries on reading without a rebalance.
 */
@Timeout(300)
class GroupRestartIT
{
    @Test
    void membersAssignmentsAndCommittedOffsetsSurviveRestarts() throws Exception
    {
        try (TestCluster cluster = TestCluster.start(1))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("kept", 2));
            }
            Records.produce(members, "kept", "a", 1_000, 10);

            final Set<String> seen = new HashSet<>();
            final int[] revokes = {0};
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members)
                .groupId("survivors")
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
                .sessionTimeout(Duration.ofSeconds(60))
                .enableAutoCommit(false)
                .build()))
            {
                consumer.subscribe(List.of("kept"), new ConsumerRebalanceListener()
                {
                    public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
                    {
                        revokes[0]++;
                    }

                    public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
                    {
                    }
                });
                pollUntil(consumer, seen, 1_000);
                consumer.commitSync();
                final GroupDescription before = describe(members);
                assertEquals(1, before.members().size());
                assertEquals(1_000, before.partitions().stream().mapToLong(GroupDescription.PartitionLag::committed).sum());

                cluster.kill(0);
                cluster.restart(0);
                cluster.awaitLeader(Duration.ofSeconds(60));
                assertEquals(before, describe(members), "after replaying the log");

                cluster.stop(0);
                cluster.restart(0);
                cluster.awaitLeader(Duration.ofSeconds(60));
                assertEquals(before, describe(members), "after loading the snapshot");

                Records.produce(members, "kept", "b", 500, 10);
                pollUntil(consumer, seen, 1_500);
                consumer.commitSync();
                assertEquals(0, revokes[0], "the member kept its partitions throughout");
                final GroupDescription after = describe(members);
                assertEquals(before.members(), after.members());
                assertEquals(1_500, after.partitions().stream().mapToLong(GroupDescription.PartitionLag::committed).sum());
            }
        }
    }

    private static void pollUntil(final Consumer<String, String> consumer, final Set<String> seen, final int count)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (seen.size() < count && System.nanoTime() < deadline)
        {
            try
            {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
            }
            catch (final TributaryException ex)
            {
                assertTrue(ex.errorCode().isRetriable(), ex.toString());
            }
        }
        assertEquals(count, seen.size());
    }

    private static GroupDescription describe(final String members)
    {
        try (Admin admin = Admin.create(members))
        {
            return admin.describeGroup("survivors");
        }
    }
}
