package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A three-node cluster on loopback, each node its own JVM: it keeps accepting writes with a node down, a restarted
 * node catches up and serves every record itself, and a killed leader is replaced.
 */
@Tag("fault")
@Timeout(600)
class ThreeNodeIT
{
    @Test
    void keepsWritingWithANodeDownAndTheRestartedNodeCatchesUp()
    {
        try (TestCluster cluster = TestCluster.start(3))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic("replicated", 4, Map.of("segment.bytes", "262144")));
            }
            Records.produce(members, "replicated", "a", 10_000, 100);

            final int leader = cluster.awaitLeader(Duration.ofSeconds(30));
            final int follower = (leader + 1) % 3;
            cluster.kill(follower);
            Records.produce(members, "replicated", "b", 10_000, 100);
            final List<ConsumerRecord<String, String>> expected = Records.readAll(members, "replicated");
            assertEquals(20_000, expected.size());

            cluster.restart(follower);
            final String followerOnly = ClusterMembers.parse(members).only(follower);
            cluster.awaitCaughtUp(follower, "replicated", Duration.ofSeconds(60));
            assertSame(expected, Records.readAll(followerOnly, "replicated"));

            cluster.kill(leader);
            final int newLeader = cluster.awaitLeader(Duration.ofSeconds(60));
            assertNotEquals(leader, newLeader);
            Records.produce(members, "replicated", "c", 5_000, 100);
            final List<ConsumerRecord<String, String>> afterFailover = Records.readAll(ClusterMembers.parse(members).only(newLeader),
                "replicated");
            assertEquals(25_000, afterFailover.size());
            assertSame(expected, filter(afterFailover, "a", "b"));

            cluster.restart(leader);
            final String oldLeaderOnly = ClusterMembers.parse(members).only(leader);
            cluster.awaitCaughtUp(leader, "replicated", Duration.ofSeconds(60));
            assertSame(afterFailover, Records.readAll(oldLeaderOnly, "replicated"));
        }
    }

    private static List<ConsumerRecord<String, String>> filter(
        final List<ConsumerRecord<String, String>> records, final String... prefixes)
    {
        return records.stream()
            .filter(r -> List.of(prefixes).contains(r.value().substring(0, 1)))
            .toList();
    }

    private static void assertSame(
        final List<ConsumerRecord<String, String>> expected, final List<ConsumerRecord<String, String>> actual)
    {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertEquals(expected.get(i).partition(), actual.get(i).partition());
            assertEquals(expected.get(i).offset(), actual.get(i).offset());
            assertEquals(expected.get(i).key(), actual.get(i).key());
            assertEquals(expected.get(i).value(), actual.get(i).value());
            assertEquals(expected.get(i).appendTime(), actual.get(i).appendTime());
        }
    }
}
