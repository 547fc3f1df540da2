package io.tributary.log;

import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Authentication and authorization against one real node with security on: clients without credentials or with
 * wrong ones are refused at the cluster and at the fetch server; a user may do only what its ACLs allow, and a
 * refused write appends nothing.
 */
@Timeout(240)
class SecurityIT
{
    private static final String TOPIC = "secured";
    private static Path credentialsDir;
    private static TestCluster cluster;
    private static Credentials admin;
    private static final Credentials ALICE = Credentials.of("alice", "alice-secret".toCharArray());

    @BeforeAll
    static void startCluster() throws IOException
    {
        credentialsDir = Files.createTempDirectory("tributary-security-it-");
        final Path adminFile = writeCredentials(credentialsDir.resolve("admin.properties"), "admin", "admin-secret");
        admin = Credentials.fromFile(adminFile);
        cluster = TestCluster.start(1, List.of(
            "--auth", "--super-users", "admin", "--admin-credentials-file", adminFile.toString()));
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            a.createTopic(new NewTopic(TOPIC, 2));
            a.upsertUser("alice", "alice-secret".toCharArray());
        }
    }

    @AfterAll
    static void stopCluster() throws IOException
    {
        if (cluster != null)
        {
            cluster.close();
        }
        if (credentialsDir != null)
        {
            try (var files = Files.list(credentialsDir))
            {
                for (final Path file : (Iterable<Path>)files::iterator)
                {
                    Files.delete(file);
                }
            }
            Files.delete(credentialsDir);
        }
    }

    static Path writeCredentials(final Path file, final String username, final String password) throws IOException
    {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "username=" + username + "\npassword=" + password + "\n");
        return file;
    }

    @Test
    void clientsWithoutCredentialsAreRefused()
    {
        try (Admin anonymous = Admin.create(cluster.members(), Duration.ofSeconds(20)))
        {
            final TributaryException ex = assertThrows(TributaryException.class, anonymous::listTopics);
            assertEquals(ErrorCode.AUTHENTICATION_FAILED, ex.errorCode(), ex.getMessage());
            assertTrue(ex.getMessage().contains("requires credentials"), ex.getMessage());
        }
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefused()
    {
        for (final Credentials wrong : List.of(
            Credentials.of("admin", "not-the-password".toCharArray()),
            Credentials.of("alice", "admin-secret".toCharArray()),
            Credentials.of("mallory", "whatever".toCharArray())))
        {
            try (Admin a = Admin.create(cluster.members(), Duration.ofSeconds(20), wrong))
            {
                final TributaryException ex = assertThrows(TributaryException.class, a::listTopics);
                assertEquals(ErrorCode.AUTHENTICATION_FAILED, ex.errorCode(), ex.getMessage());
                assertTrue(ex.getMessage().contains("wrong user name or password"), ex.getMessage());
            }
        }
        assertTrue(leaderStatus().authenticationFailures() >= 3);
    }

    @Test
    void producerWithAWrongPasswordFailsItsSends() throws Exception
    {
        final TopicPartition tp = new TopicPartition(TOPIC, 0);
        final long endBefore = endOffset(tp);
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(cluster.members())
            .credentials(Credentials.of("alice", "wrong".toCharArray()))
            .build()))
        {
            final Exception ex = assertThrows(Exception.class,
                () -> producer.send(ProducerRecord.of(TOPIC, 0, "k", "v")).get(60, TimeUnit.SECONDS));
            final Throwable cause = ex instanceof ExecutionException ? ex.getCause() : ex;
            final TributaryException refused = assertInstanceOf(TributaryException.class, cause);
            assertEquals(ErrorCode.AUTHENTICATION_FAILED, refused.errorCode(), refused.getMessage());
        }
        assertEquals(endBefore, endOffset(tp));
    }

    @Test
    void fetchServerRefusesUnauthenticatedAndWrongPasswordReads() throws Exception
    {
        produceAsAdmin("fetch-check");
        for (final Credentials wrong : new Credentials[] {null, Credentials.of("alice", "wrong".toCharArray())})
        {
            try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
                .cluster(cluster.members())
                .credentials(wrong)
                .requestTimeout(Duration.ofSeconds(10))
                .build()))
            {
                final TopicPartition tp = new TopicPartition(TOPIC, 0);
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                final TributaryException ex = assertThrows(TributaryException.class, () -> pollUntilRecords(consumer));
                assertEquals(ErrorCode.AUTHENTICATION_FAILED, ex.errorCode(), ex.getMessage());
            }
        }
    }

    @Test
    void userWithoutWriteAccessAppendsNothing() throws Exception
    {
        produceAsAdmin("before");
        final TopicPartition tp = new TopicPartition(TOPIC, 1);
        final long endBefore = endOffset(tp);
        final long refusalsBefore = leaderStatus().authorizationFailures();
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(cluster.members())
            .credentials(ALICE)
            .build()))
        {
            final ExecutionException ex = assertThrows(ExecutionException.class,
                () -> producer.send(ProducerRecord.of(TOPIC, 1, "k", "v")).get(60, TimeUnit.SECONDS));
            final TributaryException cause = assertInstanceOf(TributaryException.class, ex.getCause());
            assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, cause.errorCode(), cause.getMessage());
            assertTrue(cause.getMessage().contains("alice") && cause.getMessage().contains("write") &&
                cause.getMessage().contains(TOPIC), cause.getMessage());
        }
        assertEquals(endBefore, endOffset(tp), "a refused write moved the partition's end offset");
        assertTrue(leaderStatus().authorizationFailures() > refusalsBefore, "the refusal was not counted");
    }

    @Test
    void userWithWriteAccessToAPrefixCanWriteThereOnly() throws Exception
    {
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            a.createTopic(new NewTopic("team-a.events", 1));
            a.createAcl(Acl.topicPrefix("alice", "team-a.", Acl.Operation.WRITE));
            assertTrue(a.listAcls("alice").contains(Acl.topicPrefix("alice", "team-a.", Acl.Operation.WRITE)));
        }
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(cluster.members())
            .credentials(ALICE)
            .build()))
        {
            final RecordMetadata written = producer.send(ProducerRecord.of("team-a.events", 0, "k", "v"))
                .get(60, TimeUnit.SECONDS);
            assertEquals(0, written.offset());
        }
    }

    @Test
    void userWithoutReadAccessCannotFetchAndWithItCan() throws Exception
    {
        produceAsAdmin("to-read");
        final Credentials bob = Credentials.of("bob", "bob-secret".toCharArray());
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            a.upsertUser("bob", "bob-secret".toCharArray());
        }
        final TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .credentials(bob)
            .build()))
        {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            final TributaryException ex = assertThrows(TributaryException.class, () -> pollUntilRecords(consumer));
            assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, ex.errorCode(), ex.getMessage());
            assertTrue(ex.getMessage().contains("bob"), ex.getMessage());
        }
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            a.createAcl(Acl.topic("bob", TOPIC, Acl.Operation.READ));
        }
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .credentials(bob)
            .build()))
        {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            assertTrue(pollUntilRecords(consumer) > 0);
        }
    }

    @Test
    void commitForAGroupTheUserMayNotReadIsRefused() throws Exception
    {
        final Credentials carol = Credentials.of("carol", "carol-secret".toCharArray());
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            a.upsertUser("carol", "carol-secret".toCharArray());
            a.createAcl(Acl.topic("carol", TOPIC, Acl.Operation.READ));
        }
        final TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .groupId("not-carols")
            .credentials(carol)
            .build()))
        {
            consumer.assign(List.of(tp));
            final TributaryException ex = assertThrows(TributaryException.class,
                () -> consumer.commitSync(Map.of(tp, 1L)));
            assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, ex.errorCode(), ex.getMessage());
        }
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            assertEquals(Map.of(), a.committedOffsets("not-carols"));
        }
    }

    @Test
    void onlySuperUsersAdministerUsersAndAcls()
    {
        try (Admin a = Admin.create(cluster.members(), ALICE))
        {
            TributaryException ex = assertThrows(TributaryException.class,
                () -> a.upsertUser("eve", "eve-secret".toCharArray()));
            assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ex.errorCode(), ex.getMessage());
            ex = assertThrows(TributaryException.class,
                () -> a.createAcl(Acl.topic("alice", TOPIC, Acl.Operation.WRITE)));
            assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ex.errorCode(), ex.getMessage());
            ex = assertThrows(TributaryException.class, () -> a.createTopic(new NewTopic("alices-own", 1)));
            assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, ex.errorCode(), ex.getMessage());
        }
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            assertTrue(a.listUsers().containsKey("alice"));
            assertTrue(!a.listTopics().contains("alices-own"));
        }
    }

    private static void produceAsAdmin(final String value) throws Exception
    {
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(cluster.members())
            .credentials(admin)
            .build()))
        {
            producer.send(ProducerRecord.of(TOPIC, 0, "k", value)).get(60, TimeUnit.SECONDS);
            producer.send(ProducerRecord.of(TOPIC, 1, "k", value)).get(60, TimeUnit.SECONDS);
        }
    }

    private static long endOffset(final TopicPartition tp)
    {
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            return a.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static NodeStatus leaderStatus()
    {
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            return a.clusterStatus().get(0);
        }
    }

    private static int pollUntilRecords(final Consumer<String, String> consumer)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            final int count = consumer.poll(Duration.ofMillis(500)).count();
            if (count > 0)
            {
                return count;
            }
        }
        return 0;
    }
}
