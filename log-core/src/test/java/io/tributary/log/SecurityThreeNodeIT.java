package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Users and ACLs are replicated state: every node authenticates a user created through the leader, after a
 * failover and after a node restarts from its snapshot; a consumer may not join a group it may not read.
 */
@Timeout(300)
class SecurityThreeNodeIT
{
    @Test
    void usersAndAclsReachEveryNodeAndSurviveFailoverRestartAndRebuild() throws Exception
    {
        final Path dir = Files.createTempDirectory("tributary-security-3-");
        final Path adminFile = SecurityIT.writeCredentials(dir.resolve("admin.properties"), "admin", "admin-secret");
        final Credentials admin = Credentials.fromFile(adminFile);
        final Credentials alice = Credentials.of("alice", "alice-secret".toCharArray());
        try (TestCluster cluster = TestCluster.start(3, List.of(
            "--auth", "--super-users", "admin", "--admin-credentials-file", adminFile.toString())))
        {
            try (Admin a = Admin.create(cluster.members(), admin))
            {
                a.createTopic(new NewTopic("ledger", 1));
                a.upsertUser("alice", "alice-secret".toCharArray());
                a.createAcl(Acl.topic("alice", "ledger", Acl.Operation.WRITE));
                a.createAcl(Acl.topic("alice", "ledger", Acl.Operation.READ));
            }
            produce(cluster.members(), alice, "before-failover");

            final int leader = cluster.awaitLeader(Duration.ofSeconds(30));
            assertTrue(cluster.snapshot(leader), "snapshot");
            for (int node = 0; node < 3; node++)
            {
                cluster.awaitSnapshotRecorded(node, Duration.ofSeconds(30));
            }
            cluster.kill(leader);
            final int newLeader = cluster.awaitLeader(Duration.ofSeconds(60));
            assertTrue(newLeader != leader);
            produce(cluster.members(), alice, "after-failover");

            // The old leader restarts from its snapshot: it knows alice and her ACLs without anyone telling it again.
            cluster.restart(leader);
            final String onlyRestarted = ClusterMembers.parse(cluster.members()).only(leader);
            assertEquals(List.of("before-failover", "after-failover"), readAll(onlyRestarted, alice, 2));

            // Every node's fetch server refuses a user without read access.
            try (Admin a = Admin.create(cluster.members(), admin))
            {
                a.upsertUser("bob", "bob-secret".toCharArray());
                a.createAcl(Acl.topic("bob", "ledger", Acl.Operation.READ));
            }
            final Credentials bob = Credentials.of("bob", "bob-secret".toCharArray());
            for (int node = 0; node < 3; node++)
            {
                assertEquals(2, readAll(ClusterMembers.parse(cluster.members()).only(node), bob, 2).size(),
                    "node " + node);
            }

            // Bob may read the topic but not the group: joining it is refused.
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(cluster.members())
                .groupId("ledger-readers")
                .credentials(bob)
                .build()))
            {
                consumer.subscribe(List.of("ledger"));
                final TributaryException ex = assertThrows(TributaryException.class, () ->
                {
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (System.nanoTime() < deadline)
                    {
                        consumer.poll(Duration.ofMillis(200));
                    }
                });
                assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, ex.errorCode(), ex.getMessage());
            }

            // A node that lost its disk rebuilds itself from its peers, copying their segments in fetch sessions it
            // opens as the bootstrap admin (unauthenticated segment copy is refused).
            final int current = cluster.awaitLeader(Duration.ofSeconds(30));
            final int wiped = (current + 1) % 3;
            cluster.kill(wiped);
            TestCluster.deleteRecursively(cluster.dataDir(wiped));
            cluster.restart(wiped);
            assertEquals(List.of("before-failover", "after-failover"),
                readAll(ClusterMembers.parse(cluster.members()).only(wiped), bob, 2), cluster.log(wiped));
        }
        finally
        {
            io.tributary.log.internal.FileTrees.deleteRecursively(dir);
        }
    }

    private static void produce(final String members, final Credentials credentials, final String value)
        throws Exception
    {
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(members)
            .credentials(credentials)
            .build()))
        {
            producer.send(ProducerRecord.of("ledger", 0, "k", value)).get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Read the partition from the start as the user; a node that restarted a moment ago may not know the topic yet.
     */
    private static List<String> readAll(final String members, final Credentials credentials, final int expected)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true)
        {
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(members)
                .credentials(credentials)
                .build()))
            {
                final TopicPartition tp = new TopicPartition("ledger", 0);
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                final List<String> values = new java.util.ArrayList<>();
                while (values.size() < expected && System.nanoTime() < deadline)
                {
                    for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500)))
                    {
                        values.add(record.value());
                    }
                }
                return values;
            }
            catch (final TributaryException ex)
            {
                if (ex.errorCode() != ErrorCode.UNKNOWN_TOPIC || System.nanoTime() > deadline)
                {
                    throw ex;
                }
                Thread.sleep(500);
            }
        }
    }
}
