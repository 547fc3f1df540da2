package io.tributary.log;

import io.tributary.log.internal.client.ClientRuntime;
import io.tributary.log.internal.client.ClusterRequests;
import io.tributary.log.internal.client.GroupMembership;
import io.tributary.testing.GroupMemberMain;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer groups against one real node in its own JVM: balanced incremental assignment, expiry of a killed
 * member's session (members in their own JVMs), fencing of zombie commits, lag of an empty group, and resets.
 */
@Timeout(300)
class GroupIT
{
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
    }

    @AfterAll
    static void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void threeMembersGetTwoEachAndAFourthMovesOnlyWhatItTakes() throws Exception
    {
        createTopic("six", 6);
        final List<Member> members = new ArrayList<>();
        try
        {
            for (final String name : List.of("a", "b", "c"))
            {
                members.add(Member.start(name, "sharing", "six"));
            }
            await("three members with two partitions each", () -> sizes(members).equals(List.of(2, 2, 2)) &&
                union(members).size() == 6);
            Thread.sleep(1000);
            members.forEach(m ->
            {
                m.revoked.clear();
                m.assignedEvents.clear();
            });
            final Map<String, Set<TopicPartition>> before = new HashMap<>();
            members.forEach(m -> before.put(m.name, m.held()));

            final Member d = Member.start("d", "sharing", "six");
            members.add(d);
            await("four members balanced", () -> new TreeSet<>(sizes(members)).equals(new TreeSet<>(List.of(1, 2))) &&
                union(members).size() == 6 && d.held().size() > 0);
            Thread.sleep(1000); // anything more would show now

            final Set<TopicPartition> moved = d.held();
            for (final Member m : members.subList(0, 3))
            {
                final Set<TopicPartition> lost = new HashSet<>(before.get(m.name));
                lost.removeAll(m.held());
                assertEquals(lost, new HashSet<>(m.revoked), m.name + " revokes exactly what it lost");
                assertTrue(moved.containsAll(m.revoked), m.name + " revoked only what moved to d");
                assertTrue(m.held().size() == 2 ? m.revoked.isEmpty() : m.revoked.size() == 1,
                    m.name + " held " + m.held() + ", revoked " + m.revoked);
                assertTrue(m.assignedEvents.isEmpty(), m.name + " was assigned nothing new: " + m.assignedEvents);
            }
            assertEquals(1, moved.size(), "6 over 4 members: one partition moves");
            assertEquals(2, members.stream().filter(m -> m.revoked.isEmpty() && m != d).count(),
                "two of the first three saw no revoke at all");
        }
        finally
        {
            for (final Member m : members)
            {
                m.close();
            }
        }
    }

    @Test
    void aKilledMembersPartitionsMoveAfterItsSessionAndNoRecordIsMissed() throws Exception
    {
        createTopic("killed", 6);
        final Set<String> produced = new HashSet<>();
        produce("killed", 0, 3000, produced);
        final List<Process> processes = new ArrayList<>();
        final List<Path> files = new ArrayList<>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                final Path file = cluster.root().resolve("member-" + i + ".txt");
                files.add(file);
                processes.add(startMember("survivors", "killed", file));
            }
            await("three members holding partitions", () -> files.stream().allMatch(f -> lines(f).stream()
                .anyMatch(l -> l.startsWith("assigned "))));
            await("all 3000 first records consumed", () -> consumed(files).containsAll(produced));

            final Process victim = processes.get(0);
            final long victimPid = victim.pid();
            victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            TestCluster.deleteClientDirsOf(victimPid);
            produce("killed", 3000, 6000, produced);

            await("every record consumed at least once", () -> consumed(files).containsAll(produced));
            try (Admin admin = Admin.create(cluster.members()))
            {
                await("the killed member removed and its partitions held by the others", () ->
                {
                    final GroupDescription description = admin.describeGroup("survivors");
                    return description.members().size() == 2 && description.partitions().size() == 6 &&
                        description.partitions().stream().allMatch(
                            p -> p.member() != null && description.members().contains(p.member()));
                });
            }
            for (final Path survivor : files.subList(1, 3))
            {
                assertFalse(lines(survivor).stream().anyMatch(l -> l.startsWith("error")), lines(survivor).toString());
            }
        }
        finally
        {
            for (final Process process : processes)
            {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS))
                {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                TestCluster.deleteClientDirsOf(process.pid());
            }
        }
    }

    @Test
    void coPartitionedMembersHoldTheSamePartitionNumbersOfEveryTopic() throws Exception
    {
        createTopic("co-left", 4);
        createTopic("co-right", 4);
        final ConsumerConfig config = ConsumerConfig.builder()
            .cluster(cluster.members())
            .groupId("co")
            .sessionTimeout(Duration.ofSeconds(5))
            .partitionAssignment(ConsumerConfig.PartitionAssignment.CO_PARTITIONED)
            .build();
        try (Consumer<String, String> first = Consumer.create(config);
            Consumer<String, String> second = Consumer.create(config))
        {
            first.subscribe(List.of("co-left", "co-right"));
            second.subscribe(List.of("co-left", "co-right"));
            await("they share four partition numbers", () -> first.poll(Duration.ofMillis(100)) != null &&
                second.poll(Duration.ofMillis(100)) != null &&
                first.assignment().size() == 4 && second.assignment().size() == 4);
            for (final Consumer<String, String> member : List.of(first, second))
            {
                final Set<Integer> left = new TreeSet<>();
                final Set<Integer> right = new TreeSet<>();
                for (final TopicPartition tp : member.assignment())
                {
                    (tp.topic().equals("co-left") ? left : right).add(tp.partition());
                }
                assertEquals(left, right, "partition p of both topics together: " + member.assignment());
            }
        }
    }

    @Test
    void zombieCommitsAreRejected() throws Exception
    {
        createTopic("zombies", 2);
        final ClientRuntime runtime = ClientRuntime.acquire(cluster.members());
        try
        {
            final ClusterRequests requests = new ClusterRequests(runtime, Duration.ofSeconds(10));
            final GroupMembership zombie = new GroupMembership(runtime, "haunted", "zombie-1", List.of("zombies"),
                1000, TimeUnit.SECONDS.toNanos(10), () -> { });
            runtime.addDuty(zombie);
            await("the zombie-to-be holds both partitions", () ->
            {
                final GroupMembership.Assignment assignment = zombie.assignment();
                if (!assignment.partitions().isEmpty())
                {
                    zombie.owned(assignment.partitions());
                }
                return assignment.partitions().size() == 2;
            });
            final int epoch = zombie.epoch();
            requests.await(requests.groupCommit("haunted", "zombie-1", epoch,
                Map.of(new TopicPartition("zombies", 0), 0L)));

            runtime.removeDuty(zombie); // it stops heartbeating: a process paused, or cut off
            try (Admin admin = Admin.create(cluster.members()))
            {
                await("its session expired", () -> admin.describeGroup("haunted").members().isEmpty());
            }
            final TributaryException expired = assertThrows(TributaryException.class, () -> requests.await(
                requests.groupCommit("haunted", "zombie-1", epoch, Map.of(new TopicPartition("zombies", 0), 1L))));
            assertEquals(ErrorCode.UNKNOWN_MEMBER, expired.errorCode(), expired.getMessage());

            // It comes back (the cut healed) and is given both partitions again, as a new member: a commit still on
            // its way from the old membership is refused although the same consumer holds the partitions now.
            runtime.addDuty(zombie);
            await("it holds both partitions again", () ->
            {
                final GroupMembership.Assignment assignment = zombie.assignment();
                if (!assignment.partitions().isEmpty())
                {
                    zombie.owned(assignment.partitions());
                }
                return !"zombie-1".equals(zombie.memberId()) && assignment.partitions().size() == 2;
            });
            assertEquals("zombie-1.1", zombie.memberId());
            final TributaryException stale = assertThrows(TributaryException.class, () -> requests.await(
                requests.groupCommit("haunted", "zombie-1", epoch, Map.of(new TopicPartition("zombies", 0), 2L))));
            assertEquals(ErrorCode.UNKNOWN_MEMBER, stale.errorCode(), stale.getMessage());
            requests.await(requests.groupCommit("haunted", zombie.memberId(), zombie.epoch(),
                Map.of(new TopicPartition("zombies", 0), 3L)));
            runtime.removeDuty(zombie);
        }
        finally
        {
            runtime.release();
        }

        try (Consumer<String, String> first = groupConsumer("fenced");
            Consumer<String, String> second = groupConsumer("fenced"))
        {
            first.subscribe(List.of("zombies"));
            await("first holds both", () -> first.poll(Duration.ofMillis(100)) != null &&
                first.assignment().size() == 2);
            second.subscribe(List.of("zombies"));
            await("they share", () -> first.poll(Duration.ofMillis(100)) != null &&
                second.poll(Duration.ofMillis(100)) != null &&
                first.assignment().size() == 1 && second.assignment().size() == 1);
            final TopicPartition moved = second.assignment().iterator().next();
            final TributaryException fenced = assertThrows(TributaryException.class,
                () -> first.commitSync(Map.of(moved, 0L)));
            assertEquals(ErrorCode.FENCED_MEMBER, fenced.errorCode(), fenced.getMessage());
            assertTrue(fenced.getMessage().contains(moved.toString()), fenced.getMessage());
            second.commitSync(Map.of(moved, 0L));

            try (Admin admin = Admin.create(cluster.members()))
            {
                final TributaryException plain = assertThrows(TributaryException.class,
                    () -> plainCommit(admin, "fenced", moved));
                assertEquals(ErrorCode.GROUP_NOT_EMPTY, plain.errorCode(), plain.getMessage());
            }
        }
    }

    @Test
    void lagOfAnEmptyGroupAndResetsOnlyWhileEmpty() throws Exception
    {
        createTopic("lagging", 2);
        produceTo("lagging", 0, 10);
        produceTo("lagging", 1, 4);
        try (Admin admin = Admin.create(cluster.members()))
        {
            try (Consumer<String, String> consumer = groupConsumer("laggards"))
            {
                consumer.subscribe(List.of("lagging"));
                int received = 0;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (received < 14 && System.nanoTime() < deadline)
                {
                    received += consumer.poll(Duration.ofMillis(200)).count();
                }
                assertEquals(14, received);
                final TributaryException refused = assertThrows(TributaryException.class,
                    () -> admin.resetOffsets("laggards", "lagging", ResetTo.earliest()));
                assertEquals(ErrorCode.GROUP_NOT_EMPTY, refused.errorCode());
                assertTrue(refused.getMessage().contains("live member"), refused.getMessage());
                final GroupDescription live = admin.describeGroup("laggards");
                assertEquals(List.of(consumer.memberId()), live.members());
            } // close commits and leaves
            produceTo("lagging", 0, 5);

            final GroupDescription empty = admin.describeGroup("laggards");
            assertEquals(List.of(), empty.members());
            assertEquals(List.of(
                new GroupDescription.PartitionLag("lagging", 0, 10, 15, 5, null),
                new GroupDescription.PartitionLag("lagging", 1, 4, 4, 0, null)), empty.partitions());
            assertTrue(admin.listGroups().contains(new GroupListing("laggards", 0)), admin.listGroups().toString());

            assertEquals(Map.of(new TopicPartition("lagging", 0), 0L, new TopicPartition("lagging", 1), 0L),
                admin.resetOffsets("laggards", "lagging", ResetTo.earliest()));
            admin.resetOffsets("laggards", "lagging", ResetTo.offset(3));
            assertEquals(Map.of(new TopicPartition("lagging", 0), 3L, new TopicPartition("lagging", 1), 3L),
                admin.committedOffsets("laggards"));
            final TributaryException outside = assertThrows(TributaryException.class,
                () -> admin.resetOffsets("laggards", "lagging", ResetTo.offset(12)));
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, outside.errorCode(), outside.getMessage());
            admin.resetOffsets("laggards", "lagging", ResetTo.latest());
            assertEquals(Map.of(new TopicPartition("lagging", 0), 15L, new TopicPartition("lagging", 1), 4L),
                admin.committedOffsets("laggards"));
            final TributaryException unknown = assertThrows(TributaryException.class,
                () -> admin.describeGroup("nobody"));
            assertEquals(ErrorCode.UNKNOWN_GROUP, unknown.errorCode());
        }
    }

    private static void plainCommit(final Admin admin, final String group, final TopicPartition tp)
    {
        try (Consumer<String, String> outsider = groupConsumer(group))
        {
            outsider.assign(List.of(tp));
            outsider.commitSync(Map.of(tp, 0L));
        }
    }

    private static Consumer<String, String> groupConsumer(final String group)
    {
        return Consumer.create(ConsumerConfig.builder()
            .cluster(cluster.members())
            .groupId(group)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .sessionTimeout(Duration.ofSeconds(5))
            .build());
    }

    private static void createTopic(final String name, final int partitions)
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(name, partitions));
        }
    }

    private static void produce(final String topic, final int from, final int to, final Set<String> produced)
    {
        try (Producer<String, String> producer = Producer.create(
            ProducerConfig.builder().cluster(cluster.members()).build()))
        {
            final List<java.util.concurrent.CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
            for (int i = from; i < to; i++)
            {
                acks.add(producer.send(ProducerRecord.of(topic, "k" + i, "v" + i)));
            }
            for (final var ack : acks)
            {
                final RecordMetadata metadata = ack.join();
                produced.add(metadata.partition() + " " + metadata.offset());
            }
        }
    }

    private static void produceTo(final String topic, final int partition, final int count)
    {
        try (Producer<String, String> producer = Producer.create(
            ProducerConfig.builder().cluster(cluster.members()).build()))
        {
            for (int i = 0; i < count; i++)
            {
                producer.send(ProducerRecord.of(topic, partition, (String)null, "v" + i)).join();
            }
        }
    }

    private static Process startMember(final String group, final String topic, final Path file) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"), GroupMemberMain.class.getName(),
            cluster.members(), group, topic, file.toString(), "3000", "300"));
        return new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(file + ".log")))
            .start();
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static Set<String> consumed(final List<Path> files)
    {
        final Set<String> consumed = new HashSet<>();
        for (final Path file : files)
        {
            for (final String line : lines(file))
            {
                if (line.startsWith("record "))
                {
                    consumed.add(line.substring("record ".length()));
                }
            }
        }
        return consumed;
    }

    private static List<Integer> sizes(final List<Member> members)
    {
        return members.stream().map(m -> m.held().size()).sorted().toList();
    }

    private static Set<TopicPartition> union(final List<Member> members)
    {
        final Set<TopicPartition> all = new HashSet<>();
        members.forEach(m -> all.addAll(m.held()));
        return all;
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }

    /** An in-process group member polling on its own thread, recording what its listener was told. */
    private static final class Member implements ConsumerRebalanceListener, AutoCloseable
    {
        final String name;
        final List<TopicPartition> revoked = new CopyOnWriteArrayList<>();
        final List<List<TopicPartition>> assignedEvents = new CopyOnWriteArrayList<>();
        private final Set<TopicPartition> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final Thread thread;
        private volatile boolean running = true;

        private Member(final String name, final String group, final String topic)
        {
            this.name = name;
            this.thread = new Thread(() ->
            {
                try (Consumer<String, String> consumer = groupConsumer(group))
                {
                    consumer.subscribe(List.of(topic), this);
                    while (running)
                    {
                        consumer.poll(Duration.ofMillis(100));
                    }
                }
            }, "member-" + name);
        }

        static Member start(final String name, final String group, final String topic)
        {
            final Member member = new Member(name, group, topic);
            member.thread.start();
            return member;
        }

        Set<TopicPartition> held()
        {
            return new HashSet<>(held);
        }

        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            revoked.addAll(partitions);
            held.removeAll(partitions);
        }

        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            assignedEvents.add(List.copyOf(partitions));
            held.addAll(partitions);
        }

        public void close()
        {
            running = false;
            try
            {
                thread.join(30_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
