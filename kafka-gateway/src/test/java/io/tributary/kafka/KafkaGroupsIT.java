package io.tributary.kafka;

import io.tributary.log.Admin;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.Deserializer;
import io.tributary.log.GroupDescription;
import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kafka-clients consumer groups through the gateway, on Tributary's own groups: consumers with
 * group.protocol=consumer sharing six partitions while members join and leave, a Tributary consumer and a Kafka
 * consumer in one group, and Kafka's kafka-consumer-groups tool describing a group's offsets and lag.
 */
@Timeout(180)
class KafkaGroupsIT
{
    private static final int PARTITIONS = 6;

    private static TestCluster cluster;
    private static KafkaGateway gateway;
    private static String bootstrap;

    @BeforeAll
    static void start()
    {
        cluster = TestCluster.start(1);
        gateway = KafkaGateway.launch(new KafkaGateway.Context().cluster(cluster.members()).port(0));
        bootstrap = "127.0.0.1:" + gateway.port();
    }

    @AfterAll
    static void stop()
    {
        if (gateway != null)
        {
            gateway.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void consumerProtocolGroupSharesPartitionsAndConsumesEachRecordOnceThroughRebalances() throws Exception
    {
        groupSharesPartitionsAndConsumesEachRecordOnce("consumer");
    }

    @Test
    void classicProtocolGroupSharesPartitionsAndConsumesEachRecordOnceThroughRebalances() throws Exception
    {
        groupSharesPartitionsAndConsumesEachRecordOnce("classic");
    }

    private void groupSharesPartitionsAndConsumesEachRecordOnce(final String protocol) throws Exception
    {
        final String topic = "groups-" + protocol;
        final String group = "g-" + protocol;
        createTopic(topic);
        produce(topic, 0, 300);

        final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        final List<Member> members = new ArrayList<>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                members.add(new Member("c" + i, protocol, group, topic, seen));
            }
            awaitTrue(() -> exactlyOnceOwned(members.subList(0, 3)), "three members share the six partitions");

            members.add(new Member("c3", protocol, group, topic, seen));
            produce(topic, 300, 150);
            awaitTrue(() -> exactlyOnceOwned(members) && members.get(3).owned.size() > 0,
                "a fourth member takes partitions");

            members.get(0).close();
            produce(topic, 450, 150);
            awaitTrue(() -> exactlyOnceOwned(members.subList(1, 4)), "the three left share the six partitions");
            awaitTrue(() -> seen.size() == 600, "every record consumed");
            awaitTrue(() -> members.get(1).idle && members.get(2).idle && members.get(3).idle,
                "the members committed what they read");

            // kafka-consumer-groups names the member holding each partition.
            final String live = consumerGroupsTool("--bootstrap-server", bootstrap, "--describe", "--group", group);
            final Set<String> holders = new HashSet<>();
            final Set<String> clientIds = new HashSet<>();
            for (final String line : live.lines().toList())
            {
                final String[] cols = line.trim().split("\\s+");
                if (cols.length >= 8 && cols[0].equals(group) && cols[1].equals(topic))
                {
                    assertEquals("0", cols[5], line);
                    holders.add(cols[6]);
                    clientIds.add(cols[cols.length - 1]);
                }
            }
            assertEquals(3, holders.size(), live);
            assertEquals(Set.of("c1", "c2", "c3"), clientIds, live);

            try (Admin admin = Admin.create(cluster.members()))
            {
                final GroupDescription description = admin.describeGroup(group);
                assertEquals(3, description.members().size(), description.toString());
                for (final GroupDescription.PartitionLag p : description.partitions())
                {
                    assertEquals(100, p.committed(), "each partition committed to its end: " + p);
                }
            }
        }
        finally
        {
            members.forEach(Member::close);
        }
        final List<String> twice = seen.entrySet().stream().filter(e -> e.getValue().get() != 1)
            .map(Map.Entry::getKey).toList();
        assertEquals(List.of(), twice, "records consumed more than once");
        assertEquals(600, seen.size());

        // Members gone, more records: kafka-consumer-groups shows each partition's offsets and a lag of 10.
        produce(topic, 600, 60);
        final String out = consumerGroupsTool("--bootstrap-server", bootstrap, "--describe", "--group", group);
        int rows = 0;
        for (final String line : out.lines().toList())
        {
            final String[] cols = line.trim().split("\\s+");
            if (cols.length >= 6 && cols[0].equals(group) && cols[1].equals(topic))
            {
                rows++;
                final long current = Long.parseLong(cols[3]);
                final long end = Long.parseLong(cols[4]);
                final long lag = Long.parseLong(cols[5]);
                assertEquals(100, current, line);
                assertEquals(110, end, line);
                assertEquals(end - current, lag, line);
            }
        }
        assertEquals(PARTITIONS, rows, out);

        final String list = consumerGroupsTool("--bootstrap-server", bootstrap, "--list");
        assertTrue(list.lines().anyMatch(group::equals), list);
    }

    @Test
    void tributaryAndConsumerProtocolConsumersShareOneGroup() throws Exception
    {
        tributaryAndKafkaConsumersShareOneGroup("consumer");
    }

    @Test
    void tributaryAndClassicConsumersShareOneGroup() throws Exception
    {
        tributaryAndKafkaConsumersShareOneGroup("classic");
    }

    private void tributaryAndKafkaConsumersShareOneGroup(final String protocol) throws Exception
    {
        final String topic = "groups-mixed-" + protocol;
        final String group = "g-mixed-" + protocol;
        createTopic(topic);
        produce(topic, 0, 60);
        final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        try (io.tributary.log.Consumer<byte[], byte[]> tributary = io.tributary.log.Consumer.create(
            ConsumerConfig.builder().cluster(cluster.members()).groupId(group).enableAutoCommit(false)
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(),
            Deserializer.bytes(), Deserializer.bytes());
            Member kafka = new Member("kafka", protocol, group, topic, seen);
            Admin admin = Admin.create(cluster.members()))
        {
            tributary.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            GroupDescription description = null;
            while (System.nanoTime() < deadline)
            {
                for (final io.tributary.log.ConsumerRecord<byte[], byte[]> r : tributary.poll(Duration.ofMillis(200)))
                {
                    seen.computeIfAbsent(new String(r.value(), StandardCharsets.UTF_8), k -> new AtomicInteger())
                        .incrementAndGet();
                }
                tributary.commitSync();
                description = admin.describeGroup(group);
                final Set<String> holders = new HashSet<>();
                description.partitions().forEach(p -> holders.add(String.valueOf(p.member())));
                if (description.members().size() == 2 && holders.size() == 2 && !holders.contains("null") &&
                    seen.size() == 60 && !kafka.owned.isEmpty())
                {
                    break;
                }
            }
            assertEquals(2, description.members().size(), String.valueOf(description));
            assertTrue(description.members().contains(tributary.memberId()), description.toString());
            assertTrue(kafka.owned.size() > 0 && kafka.owned.size() < PARTITIONS, "the Kafka consumer holds " +
                kafka.owned);
            assertEquals(60, seen.size(), "every record read by one of the two");

            // Kafka's admin client sees the same group: ConsumerGroupDescribe, or DescribeGroups for a classic one.
            final Properties props = new Properties();
            props.put("bootstrap.servers", bootstrap);
            try (AdminClient kafkaAdmin = AdminClient.create(props))
            {
                final ConsumerGroupDescription described =
                    kafkaAdmin.describeConsumerGroups(List.of(group)).all().get().get(group);
                assertEquals(protocol.equals("classic") ? GroupType.CLASSIC : GroupType.CONSUMER, described.type());
                assertEquals(2, described.members().size(), described.toString());
                final Set<TopicPartition> assigned = new HashSet<>();
                described.members().forEach(m -> assigned.addAll(m.assignment().topicPartitions()));
                assertEquals(PARTITIONS, assigned.size(), described.toString());
            }
        }
    }

    @Test
    void consoleConsumerWithAGroupReadsEveryPartitionAndCommits() throws Exception
    {
        final String topic = "groups-console";
        final String group = "g-console";
        createTopic(topic);
        produce(topic, 0, 12);
        final String out = tool("org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", bootstrap,
            "--topic", topic, "--group", group, "--from-beginning", "--max-messages", "12", "--timeout-ms", "60000");
        for (int i = 0; i < 12; i++)
        {
            final String value = topic + "-" + i;
            assertTrue(out.lines().anyMatch(value::equals), value + " in " + out);
        }
        final String described = tool("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            "--bootstrap-server", bootstrap, "--describe", "--group", group);
        final long committedRows = described.lines().map(l -> l.trim().split("\\s+"))
            .filter(c -> c.length >= 6 && c[0].equals(group) && c[1].equals(topic) && c[3].equals("2") &&
                c[4].equals("2") && c[5].equals("0"))
            .count();
        assertEquals(PARTITIONS, committedRows, "every partition committed at its end: " + described);
    }

    @Test
    void memberCommitsAreRefusedForPartitionsTheMemberNoLongerHolds() throws Exception
    {
        final String topic = "groups-fence";
        final String group = "g-fence";
        createTopic(topic);
        try (RawKafkaConnection connection = new RawKafkaConnection("127.0.0.1", gateway.port()))
        {
            ConsumerGroupHeartbeatResponseData a = heartbeat(connection, group, "member-a", 0, List.of(topic), null);
            assertEquals(Errors.NONE.code(), a.errorCode(), a.toString());
            final Uuid topicId = a.assignment().topicPartitions().get(0).topicId();
            assertEquals(PARTITIONS, partitions(a).size(), "the only member is granted every partition");
            a = heartbeat(connection, group, "member-a", a.memberEpoch(), null, owned(topicId, partitions(a)));
            assertEquals(Errors.NONE.code(), commit(connection, group, "member-a", a.memberEpoch(), topic, 0, 5));

            ConsumerGroupHeartbeatResponseData b = heartbeat(connection, group, "member-b", 0, List.of(topic), null);
            assertEquals(Errors.NONE.code(), b.errorCode(), b.toString());
            // A learns its smaller share, gives up the rest by heartbeating what it keeps; then B is granted it.
            a = heartbeat(connection, group, "member-a", a.memberEpoch(), null,
                owned(topicId, List.of(0, 1, 2, 3, 4, 5)));
            final List<Integer> keptByA = partitions(a);
            assertTrue(keptByA.size() == PARTITIONS / 2, a.toString());
            a = heartbeat(connection, group, "member-a", a.memberEpoch(), null, owned(topicId, keptByA));
            b = heartbeat(connection, group, "member-b", b.memberEpoch(), null, owned(topicId, List.of()));
            final List<Integer> heldByB = partitions(b);
            assertEquals(PARTITIONS / 2, heldByB.size(), b.toString());

            final int moved = heldByB.get(0);
            assertEquals(Errors.ILLEGAL_GENERATION.code(),
                commit(connection, group, "member-a", a.memberEpoch(), topic, moved, 7),
                "a member's commit of a partition that moved away is refused");
            assertEquals(Errors.NONE.code(), commit(connection, group, "member-b", b.memberEpoch(), topic, moved, 9));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(connection, group, "zombie", 3, topic, moved, 1));

            final ConsumerGroupHeartbeatResponseData left =
                heartbeat(connection, group, "member-a", -1, null, null);
            assertEquals(Errors.NONE.code(), left.errorCode(), left.toString());
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(),
                commit(connection, group, "member-a", a.memberEpoch(), topic, keptByA.get(0), 11),
                "a member that left cannot commit");
            try (Admin admin = Admin.create(cluster.members()))
            {
                assertEquals(9L, admin.committedOffsets(group).get(new io.tributary.log.TopicPartition(topic, moved)));
            }

            // Classic joins without a member id are given one first (JoinGroup v4+).
            final JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("g-classic-raw")
                .setMemberId("").setProtocolType("consumer").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000);
            join.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                .setMetadata(org.apache.kafka.common.utils.Utils.toArray(
                    org.apache.kafka.clients.consumer.internals.ConsumerProtocol.serializeSubscription(
                        new org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription(
                            List.of(topic))))));
            final JoinGroupResponse joined =
                (JoinGroupResponse)connection.send(new JoinGroupRequest.Builder(join).build((short)9));
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), joined.data().errorCode());
            assertTrue(!joined.data().memberId().isEmpty());
        }
    }

    private static ConsumerGroupHeartbeatResponseData heartbeat(
        final RawKafkaConnection connection, final String group, final String member, final int epoch,
        final List<String> topics, final List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned)
        throws Exception
    {
        final ConsumerGroupHeartbeatRequestData data = new ConsumerGroupHeartbeatRequestData().setGroupId(group)
            .setMemberId(member).setMemberEpoch(epoch).setSubscribedTopicNames(topics).setTopicPartitions(owned)
            .setRebalanceTimeoutMs(epoch == 0 ? 30_000 : -1);
        return ((ConsumerGroupHeartbeatResponse)connection.send(
            new ConsumerGroupHeartbeatRequest.Builder(data).build((short)1))).data();
    }

    private static List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned(
        final Uuid topicId, final List<Integer> partitions)
    {
        return List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(topicId)
            .setPartitions(new ArrayList<>(partitions)));
    }

    private static List<Integer> partitions(final ConsumerGroupHeartbeatResponseData response)
    {
        final List<Integer> result = new ArrayList<>();
        response.assignment().topicPartitions().forEach(t -> result.addAll(t.partitions()));
        return result;
    }

    private static short commit(
        final RawKafkaConnection connection, final String group, final String member, final int epoch,
        final String topic, final int partition, final long offset) throws Exception
    {
        final OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setMemberId(member)
            .setGenerationIdOrMemberEpoch(epoch);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
            new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(partition)
                .setCommittedOffset(offset))));
        final OffsetCommitResponse response = (OffsetCommitResponse)connection.send(
            OffsetCommitRequest.Builder.forTopicNames(data).build((short)9));
        return response.data().topics().get(0).partitions().get(0).errorCode();
    }

    private static boolean exactlyOnceOwned(final List<Member> members)
    {
        final Map<TopicPartition, Integer> owners = new HashMap<>();
        members.forEach(m -> m.owned.forEach(tp -> owners.merge(tp, 1, Integer::sum)));
        return owners.size() == PARTITIONS && owners.values().stream().allMatch(n -> n == 1) &&
            members.stream().allMatch(m -> !m.owned.isEmpty());
    }

    private static void createTopic(final String topic) throws Exception
    {
        final Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        try (AdminClient admin = AdminClient.create(props))
        {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short)1))).all().get();
        }
    }

    /**
     * Records "topic-i" for i in [from, from + count), spread evenly over the partitions.
     */
    private static void produce(final String topic, final int from, final int count) throws Exception
    {
        final Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props))
        {
            for (int i = from; i < from + count; i++)
            {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, topic + "-" + i));
            }
            producer.flush();
        }
    }

    private static void awaitTrue(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * kafka-consumer-groups in its own JVM, as the script runs it.
     */
    private static String consumerGroupsTool(final String... args) throws Exception
    {
        final List<String> all = new ArrayList<>(List.of("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"));
        all.addAll(List.of(args));
        return tool(all.toArray(String[]::new));
    }

    /**
     * A Kafka CLI tool (main class, then its arguments) in its own JVM, as its script runs it.
     */
    private static String tool(final String... args) throws Exception
    {
        final Path output = Files.createTempFile("kafka-tool-", ".out");
        try
        {
            final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path")));
            command.addAll(List.of(args));
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                fail(args[0] + " timed out: " + Files.readString(output));
            }
            final String out = Files.readString(output);
            assertEquals(0, process.exitValue(), out);
            return out;
        }
        finally
        {
            Files.deleteIfExists(output);
        }
    }

    /**
     * A kafka-clients consumer in a group on its own thread: it polls, counts each record value, and commits
     * synchronously after each batch (auto-commit off), so a record is consumed twice only if a commit was lost.
     */
    private static final class Member implements AutoCloseable
    {
        final String name;
        final Thread thread;
        volatile Set<TopicPartition> owned = Set.of();
        volatile boolean running = true;
        /** The last poll returned nothing (so everything read was committed). */
        volatile boolean idle;
        volatile Throwable failure;

        Member(
            final String name, final String protocol, final String group, final String topic,
            final Map<String, AtomicInteger> seen)
        {
            this.name = name;
            final Properties props = GatewayRecords.kafkaConsumerProps(bootstrap);
            props.put("group.id", group);
            props.put("group.protocol", protocol);
            props.put("client.id", name);
            thread = new Thread(() ->
            {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props))
                {
                    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener()
                    {
                        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
                        {
                            owned = Set.copyOf(consumer.assignment());
                        }

                        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
                        {
                            owned = Set.copyOf(consumer.assignment());
                        }
                    });
                    while (running)
                    {
                        final var records = consumer.poll(Duration.ofMillis(100));
                        for (final ConsumerRecord<byte[], byte[]> r : records)
                        {
                            seen.computeIfAbsent(new String(r.value(), StandardCharsets.UTF_8),
                                k -> new AtomicInteger()).incrementAndGet();
                        }
                        if (!records.isEmpty())
                        {
                            consumer.commitSync();
                        }
                        idle = records.isEmpty();
                        owned = Set.copyOf(consumer.assignment());
                    }
                }
                catch (final Throwable t)
                {
                    failure = t;
                    t.printStackTrace();
                }
                owned = Set.of();
            }, "member-" + name);
            thread.start();
        }

        public void close()
        {
            running = false;
            try
            {
                thread.join(30_000);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (failure != null)
            {
                throw new AssertionError(name + " failed", failure);
            }
        }
    }
}
