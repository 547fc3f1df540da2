package io.tributary.kafka;

import io.tributary.log.Admin;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.Deserializer;
import io.tributary.log.GroupDescription;
import io.tributary.testing.TestCluster;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
    void tributaryAndKafkaConsumersShareOneGroup() throws Exception
    {
        final String topic = "groups-mixed";
        final String group = "g-mixed";
        createTopic(topic);
        produce(topic, 0, 60);
        final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        try (io.tributary.log.Consumer<byte[], byte[]> tributary = io.tributary.log.Consumer.create(
            ConsumerConfig.builder().cluster(cluster.members()).groupId(group).enableAutoCommit(false)
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(),
            Deserializer.bytes(), Deserializer.bytes());
            Member kafka = new Member("kafka", "consumer", group, topic, seen);
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
                    seen.size() == 60)
                {
                    break;
                }
            }
            assertEquals(2, description.members().size(), String.valueOf(description));
            assertTrue(description.members().contains(tributary.memberId()), description.toString());
            assertTrue(kafka.owned.size() > 0 && kafka.owned.size() < PARTITIONS, "the Kafka consumer holds " +
                kafka.owned);
            assertEquals(60, seen.size(), "every record read by one of the two");
        }
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
        final Path output = Files.createTempFile("kafka-consumer-groups-", ".out");
        try
        {
            final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"));
            command.addAll(List.of(args));
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                fail("kafka-consumer-groups timed out: " + Files.readString(output));
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
