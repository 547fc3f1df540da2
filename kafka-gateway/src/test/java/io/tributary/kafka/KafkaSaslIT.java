package io.tributary.kafka;

import io.tributary.log.Acl;
import io.tributary.log.Admin;
import io.tributary.log.Credentials;
import io.tributary.log.NewTopic;
import io.tributary.log.NodeStatus;
import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's clients against the gateway of a node with security on (the gateway in the node's JVM, as
 * {@code tributary server --auth --kafka-port} runs it): SASL/SCRAM-SHA-256 as the node's users, and the node's
 * ACLs applied to what they do.
 */
@Timeout(300)
class KafkaSaslIT
{
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static Path credentialsDir;
    private static TestCluster cluster;
    private static Credentials admin;
    private static String bootstrap;

    @BeforeAll
    static void start() throws IOException
    {
        credentialsDir = Files.createTempDirectory("tributary-kafka-sasl-it-");
        final Path adminFile = credentialsDir.resolve("admin.properties");
        Files.createFile(adminFile,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(adminFile, "username=admin\npassword=admin-secret\n");
        admin = Credentials.fromFile(adminFile);
        final int kafkaPort;
        try (ServerSocket probe = new ServerSocket(0))
        {
            kafkaPort = probe.getLocalPort();
        }
        bootstrap = "127.0.0.1:" + kafkaPort;
        cluster = TestCluster.start(1, List.of("--auth", "--super-users", "admin",
            "--admin-credentials-file", adminFile.toString(), "--kafka-port", Integer.toString(kafkaPort)),
            GatewayNode.class.getName());
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            a.createTopic(new NewTopic(TOPIC, 1));
            // alice: writes and reads orders, in group billing.
            a.upsertUser("alice", "alice-secret".toCharArray());
            a.createAcl(Acl.topic("alice", TOPIC, Acl.Operation.WRITE));
            a.createAcl(Acl.topic("alice", TOPIC, Acl.Operation.READ));
            a.createAcl(Acl.group("alice", GROUP));
            // bob: nothing at all.
            a.upsertUser("bob", "bob-secret".toCharArray());
            // carol: reads orders, but in no group.
            a.upsertUser("carol", "carol-secret".toCharArray());
            a.createAcl(Acl.topic("carol", TOPIC, Acl.Operation.READ));
            // dave: a topic rule for __jobs, which does not open it to writes.
            a.upsertUser("dave", "dave-secret".toCharArray());
            a.createAcl(Acl.topic("dave", "__jobs", Acl.Operation.WRITE));
            if (!a.listTopics().contains("__jobs"))
            {
                a.createTopic(new NewTopic("__jobs", 1, Map.of("cleanup.policy", "compact")));
            }
        }
    }

    @AfterAll
    static void stop() throws IOException
    {
        if (cluster != null)
        {
            cluster.close();
        }
        if (credentialsDir != null)
        {
            TestCluster.deleteRecursively(credentialsDir);
        }
    }

    private static Map<String, Object> sasl(final String user, final String password)
    {
        final Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "SCRAM-SHA-256");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required " +
            "username=\"" + user + "\" password=\"" + password + "\";");
        props.put("default.api.timeout.ms", "60000");
        props.put("request.timeout.ms", "30000");
        return props;
    }

    private static KafkaProducer<String, String> producer(final String user, final String password)
    {
        final Map<String, Object> props = sasl(user, password);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        props.put("max.block.ms", "60000");
        props.put("delivery.timeout.ms", "60000");
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, String> consumer(final String user, final String password, final String group)
    {
        final Map<String, Object> props = sasl(user, password);
        props.put("key.deserializer", StringDeserializer.class.getName());
        props.put("value.deserializer", StringDeserializer.class.getName());
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        if (group != null)
        {
            props.put("group.id", group);
        }
        return new KafkaConsumer<>(props);
    }

    private static long endOffset(final String topic) throws Exception
    {
        try (AdminClient kafkaAdmin = AdminClient.create(sasl("admin", "admin-secret")))
        {
            return kafkaAdmin.listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest())).all()
                .get(60, TimeUnit.SECONDS).get(new TopicPartition(topic, 0)).offset();
        }
    }

    private static long authenticationFailures()
    {
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            return a.clusterStatus().stream().mapToLong(NodeStatus::authenticationFailures).sum();
        }
    }

    @Test
    void aUserWithTheRightPasswordProducesAndConsumesInItsGroup() throws Exception
    {
        final long base = endOffset(TOPIC);
        try (KafkaProducer<String, String> producer = producer("alice", "alice-secret"))
        {
            for (int i = 0; i < 10; i++)
            {
                assertEquals(base + i, producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get().offset());
            }
        }
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer("alice", "alice-secret", GROUP))
        {
            consumer.subscribe(List.of(TOPIC));
            final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (values.size() < base + 10 && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500)))
                {
                    values.add(r.value());
                }
            }
            consumer.commitSync();
        }
        assertEquals(base + 10, values.size());
        assertEquals("v9", values.get(values.size() - 1));
        try (Admin a = Admin.create(cluster.members(), admin))
        {
            assertEquals(base + 10, a.committedOffsets(GROUP).get(new io.tributary.log.TopicPartition(TOPIC, 0)),
                "the group member's commit went through");
        }
    }

    @Test
    void adminClientsSeeTopicsAndCreateOnlyWithCreateRights() throws Exception
    {
        try (AdminClient alice = AdminClient.create(sasl("alice", "alice-secret")))
        {
            assertTrue(alice.listTopics().names().get(60, TimeUnit.SECONDS).contains(TOPIC));
            final ExecutionException refused = assertThrows(ExecutionException.class, () -> alice.createTopics(
                List.of(new org.apache.kafka.clients.admin.NewTopic("alice-new", 1, (short)1))).all()
                .get(60, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
            final ExecutionException notDeleted = assertThrows(ExecutionException.class,
                () -> alice.deleteTopics(List.of(TOPIC)).all().get(60, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, notDeleted.getCause());
            assertTrue(alice.listTopics().names().get(60, TimeUnit.SECONDS).contains(TOPIC));
        }
        try (AdminClient superUser = AdminClient.create(sasl("admin", "admin-secret")))
        {
            superUser.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("admin-new", 1, (short)1)))
                .all().get(60, TimeUnit.SECONDS);
            assertTrue(superUser.listTopics().names().get(60, TimeUnit.SECONDS).contains("admin-new"));
        }
    }

    @Test
    void aWrongPasswordOrAnUnknownUserFailsAuthenticationAndIsCounted() throws Exception
    {
        final long before = authenticationFailures();
        for (final String[] wrong : new String[][] {{"alice", "not-her-password"}, {"mallory", "whatever"}})
        {
            try (AdminClient client = AdminClient.create(sasl(wrong[0], wrong[1])))
            {
                final ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> client.listTopics().names().get(60, TimeUnit.SECONDS));
                assertInstanceOf(SaslAuthenticationException.class, failed.getCause(), failed.toString());
            }
        }
        try (KafkaProducer<String, String> producer = producer("alice", "not-her-password"))
        {
            final Exception failed = assertThrows(Exception.class,
                () -> producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get());
            assertTrue(failed instanceof SaslAuthenticationException ||
                failed.getCause() instanceof SaslAuthenticationException, failed.toString());
        }
        assertTrue(authenticationFailures() >= before + 2, "the node counts the gateway's refusals");
    }

    @Test
    void aConnectionWithoutSaslMayOnlyAskForApiVersions() throws Exception
    {
        final int port = Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1));
        try (RawKafkaConnection raw = new RawKafkaConnection("127.0.0.1", port))
        {
            assertThrows(IOException.class, () -> raw.send(
                new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short)12)),
                "a request before authentication closes the connection");
        }
        final Map<String, Object> plain = new HashMap<>();
        plain.put("bootstrap.servers", bootstrap);
        plain.put("default.api.timeout.ms", "5000");
        plain.put("request.timeout.ms", "3000");
        try (AdminClient client = AdminClient.create(plain))
        {
            assertThrows(ExecutionException.class, () -> client.listTopics().names().get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aUserWithoutWriteIsRefusedAndNothingIsAppended() throws Exception
    {
        final long before = endOffset(TOPIC);
        try (KafkaProducer<String, String> producer = producer("bob", "bob-secret"))
        {
            final ExecutionException refused = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>(TOPIC, "k", "from bob")).get());
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        }
        assertEquals(before, endOffset(TOPIC), "the refused partition's end offset did not move");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aConsumerWithoutReadIsRefused(final boolean seekToOffset)
    {
        try (KafkaConsumer<String, String> consumer = consumer("bob", "bob-secret", null))
        {
            final TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            if (seekToOffset)
            {
                consumer.seek(tp, 0);   // straight to Fetch
            }
            else
            {
                consumer.seekToBeginning(List.of(tp));   // ListOffsets first
            }
            assertThrows(TopicAuthorizationException.class, () ->
            {
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline)
                {
                    consumer.poll(Duration.ofMillis(500));
                }
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aGroupConsumerWithoutGroupReadIsRefused(final String protocol)
    {
        final Map<String, Object> props = sasl("carol", "carol-secret");
        props.put("key.deserializer", StringDeserializer.class.getName());
        props.put("value.deserializer", StringDeserializer.class.getName());
        props.put("group.id", "carols-group");
        props.put("group.protocol", protocol);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props))
        {
            consumer.subscribe(List.of(TOPIC));
            assertThrows(GroupAuthorizationException.class, () ->
            {
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline)
                {
                    consumer.poll(Duration.ofMillis(500));
                }
            });
        }
    }

    @Test
    void aCommitWithoutGroupReadIsRefused()
    {
        try (KafkaConsumer<String, String> consumer = consumer("carol", "carol-secret", "carols-group"))
        {
            final TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            assertThrows(GroupAuthorizationException.class, () -> consumer.commitSync(
                Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(0))));
        }
    }

    @Test
    void writesToTheJobTopicsNeedASuperUser() throws Exception
    {
        final long before = endOffset("__jobs");
        try (KafkaProducer<String, String> producer = producer("dave", "dave-secret"))
        {
            final ExecutionException refused = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>("__jobs", "some-job", "{}")).get());
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        }
        assertEquals(before, endOffset("__jobs"));
    }
}
