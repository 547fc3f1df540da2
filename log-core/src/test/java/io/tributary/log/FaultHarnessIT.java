package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Jepsen-style history check of a three-node cluster under faults. Producers write keyed records with unique ids
 * while a consumer tails the topic and commits; meanwhile nodes are SIGKILLed (leader and followers), paused with
 * SIGSTOP/SIGCONT, restarted, and wiped and restarted. At the end every node must hold the same records, every
 * acknowledged send exactly once where its acknowledgement said, no record twice, each producer's records of a
 * partition in the order it sent them, and committed offsets that never went backwards.
 * <p>
 * The run is replayable: its seed is printed, and {@code -Dtributary.fault.seed=N} repeats the same choices
 * ({@code -Dtributary.fault.seconds=S} sets its length).
 */
@Tag("fault")
@Timeout(900)
class FaultHarnessIT
{
    private static final String TOPIC = "history";
    private static final int PARTITIONS = 4;
    private static final int PRODUCERS = 2;

    /** What the history records of one send. */
    private record Ack(String id, int partition, long offset)
    {
    }

    @Test
    void noAcknowledgedRecordIsLostDuplicatedOrReordered() throws Exception
    {
        final long seed = Long.getLong("tributary.fault.seed", System.nanoTime());
        final int seconds = Integer.getInteger("tributary.fault.seconds", 60);
        System.err.println("fault harness: seed=" + seed + " seconds=" + seconds +
            " (rerun with -Dtributary.fault.seed=" + seed + ")");
        final Random random = new Random(seed);

        // Small snapshots and archive segments, so the cluster log is purged during the run and a wiped node (or
        // one down across two snapshots) must rebuild itself from its peers rather than replay the log.
        try (TestCluster cluster = TestCluster.start(3, List.of(
            "--snapshot-log-bytes", Integer.toString(2 * 1024 * 1024),
            "--archive-segment-file-length", Integer.toString(16 * 1024 * 1024))))
        {
            final String members = cluster.members();
            try (Admin admin = Admin.create(members))
            {
                admin.createTopic(new NewTopic(TOPIC, PARTITIONS, Map.of("segment.bytes", "1048576")));
            }

            final AtomicBoolean running = new AtomicBoolean(true);
            final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
            final Map<String, String> failures = new ConcurrentHashMap<>();
            final AtomicLong sent = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++)
            {
                final int producerIndex = p;
                final long producerSeed = random.nextLong();
                threads.add(start("producer-" + p,
                    () -> produce(members, producerIndex, producerSeed, running, sent, acks, failures)));
            }
            final List<long[]> commits = new CopyOnWriteArrayList<>();
            final AtomicLong consumed = new AtomicLong();
            threads.add(start("consumer", () -> consumeAndCommit(members, running, consumed, commits)));

            final List<String> faults = injectFaults(cluster, random, seconds);

            running.set(false);
            for (final Thread thread : threads)
            {
                thread.join(180_000);
                assertTrue(!thread.isAlive(), thread.getName() + " did not finish");
            }
            for (int node = 0; node < 3; node++)
            {
                if (!cluster.isRunning(node))
                {
                    cluster.restart(node);
                }
            }
            cluster.awaitLeader(Duration.ofSeconds(60));

            final List<List<ConsumerRecord<String, String>>> views = new ArrayList<>();
            for (int node = 0; node < 3; node++)
            {
                cluster.awaitCaughtUp(node, TOPIC, Duration.ofSeconds(120));
                views.add(Records.readAll(ClusterMembers.parse(members).only(node), TOPIC));
            }
            check(views, acks, failures, commits);

            System.err.printf("fault harness: seed=%d sends=%d acknowledged=%d failed=%d consumed=%d faults=%d %s " +
                "lost=0 duplicated=0 reordered=0 nodes-identical=true commits-monotonic=true%n",
                seed, sent.get(), acks.size(), failures.size(), consumed.get(), faults.size(), faults);
        }
    }

    private static void produce(
        final String members,
        final int producerIndex,
        final long seed,
        final AtomicBoolean running,
        final AtomicLong sent,
        final Queue<Ack> acks,
        final Map<String, String> failures)
    {
        final Random random = new Random(seed);
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder()
            .cluster(members)
            .linger(Duration.ofMillis(2))
            .batchSize(16 * 1024)
            .requestTimeout(Duration.ofSeconds(10))
            .deliveryTimeout(Duration.ofSeconds(120))
            .build()))
        {
            long sequence = 0;
            while (running.get())
            {
                final String id = "p" + producerIndex + "-" + sequence++;
                final String key = "k" + random.nextInt(64);
                sent.incrementAndGet();
                producer.send(ProducerRecord.of(TOPIC, key, id), (metadata, exception) ->
                {
                    if (exception == null)
                    {
                        acks.add(new Ack(id, metadata.partition(), metadata.offset()));
                    }
                    else
                    {
                        failures.put(id, String.valueOf(exception.getMessage()));
                    }
                });
                if (sequence % 50 == 0)
                {
                    TestCluster.sleep(5);
                }
            }
            producer.flush();
        }
    }

    private static void consumeAndCommit(
        final String members, final AtomicBoolean running, final AtomicLong consumed, final List<long[]> commits)
    {
        final List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++)
        {
            partitions.add(new TopicPartition(TOPIC, p));
        }
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder()
            .cluster(members)
            .groupId("tail")
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST)
            .requestTimeout(Duration.ofSeconds(20))
            .build()))
        {
            consumer.assign(partitions);
            long lastCommit = System.nanoTime();
            while (running.get())
            {
                try
                {
                    consumed.addAndGet(consumer.poll(Duration.ofMillis(200)).count());
                    if (System.nanoTime() - lastCommit > 1_000_000_000L)
                    {
                        lastCommit = System.nanoTime();
                        consumer.commitSync();
                        final Map<TopicPartition, Long> committed = consumer.committed(partitions);
                        final long[] row = new long[PARTITIONS];
                        for (int p = 0; p < PARTITIONS; p++)
                        {
                            row[p] = committed.getOrDefault(partitions.get(p), -1L);
                        }
                        commits.add(row);
                    }
                }
                catch (final TributaryException ex)
                {
                    if (!ex.errorCode().isRetriable())
                    {
                        throw ex;
                    }
                }
            }
        }
    }

    /**
     * One fault at a time, a few seconds apart, never more than one node down: the cluster keeps its majority.
     */
    private static List<String> injectFaults(final TestCluster cluster, final Random random, final int seconds)
    {
        final List<String> faults = new ArrayList<>();
        final long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        int down = -1;
        TestCluster.sleep(3000);
        while (System.nanoTime() < end)
        {
            if (down >= 0)
            {
                cluster.restart(down);
                faults.add("restart-" + down);
                down = -1;
                TestCluster.sleep(4000 + random.nextInt(3000));
                continue;
            }

            final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            final int follower = (leader + 1 + random.nextInt(2)) % 3;
            switch (random.nextInt(4))
            {
                case 0 ->
                {
                    cluster.kill(leader);
                    down = leader;
                    faults.add("kill-leader-" + leader);
                }
                case 1 ->
                {
                    cluster.kill(follower);
                    down = follower;
                    faults.add("kill-follower-" + follower);
                }
                case 2 ->
                {
                    final int victim = random.nextBoolean() ? leader : follower;
                    cluster.pause(victim);
                    TestCluster.sleep(1000 + random.nextInt(4000));
                    cluster.resume(victim);
                    faults.add("pause-" + victim);
                }
                default ->
                {
                    cluster.kill(follower);
                    TestCluster.deleteRecursively(cluster.dataDir(follower));
                    down = follower;
                    faults.add("wipe-" + follower);
                }
            }
            TestCluster.sleep(3000 + random.nextInt(3000));
        }
        return faults;
    }

    private static void check(
        final List<List<ConsumerRecord<String, String>>> views,
        final Queue<Ack> acks,
        final Map<String, String> failures,
        final List<long[]> commits)
    {
        final List<ConsumerRecord<String, String>> log = views.get(0);
        for (int node = 1; node < views.size(); node++)
        {
            final List<ConsumerRecord<String, String>> other = views.get(node);
            assertEquals(log.size(), other.size(), "node " + node + " holds as many records as node 0");
            for (int i = 0; i < log.size(); i++)
            {
                final ConsumerRecord<String, String> a = log.get(i);
                final ConsumerRecord<String, String> b = other.get(i);
                if (a.partition() != b.partition() || a.offset() != b.offset() || !a.value().equals(b.value()) ||
                    !a.key().equals(b.key()) || a.timestamp() != b.timestamp() || a.appendTime() != b.appendTime())
                {
                    fail("node " + node + " differs from node 0 at " + a + " / " + b);
                }
            }
        }

        final Map<String, ConsumerRecord<String, String>> byId = new HashMap<>();
        for (final ConsumerRecord<String, String> record : log)
        {
            final ConsumerRecord<String, String> previous = byId.put(record.value(), record);
            if (previous != null)
            {
                fail("duplicated: " + record.value() + " at " + previous.topicPartition() + "@" + previous.offset() +
                    " and " + record.topicPartition() + "@" + record.offset());
            }
        }

        int lost = 0;
        for (final Ack ack : acks)
        {
            final ConsumerRecord<String, String> record = byId.get(ack.id());
            if (record == null)
            {
                lost++;
                System.err.println("lost: " + ack);
            }
            else
            {
                assertEquals(ack.partition(), record.partition(), "acknowledged partition of " + ack.id());
                assertEquals(ack.offset(), record.offset(), "acknowledged offset of " + ack.id());
            }
        }
        assertEquals(0, lost, "acknowledged records lost");

        final Map<String, Long> lastSequence = new HashMap<>();
        for (final ConsumerRecord<String, String> record : log)
        {
            final String[] parts = record.value().split("-");
            final String stream = parts[0] + "@" + record.partition();
            final long sequence = Long.parseLong(parts[1]);
            final Long previous = lastSequence.put(stream, sequence);
            if (previous != null && previous >= sequence)
            {
                fail("reordered: " + record.value() + " after sequence " + previous + " in partition " +
                    record.partition());
            }
        }

        final Set<String> failedButWritten = new HashSet<>(failures.keySet());
        failedButWritten.retainAll(byId.keySet());
        System.err.println("fault harness: " + failures.size() + " sends failed with a clear error, " +
            failedButWritten.size() + " of them written nonetheless (their outcome was unknown); examples: " +
            failures.values().stream().distinct().limit(3).toList());

        for (int i = 1; i < commits.size(); i++)
        {
            for (int p = 0; p < PARTITIONS; p++)
            {
                assertTrue(commits.get(i)[p] >= commits.get(i - 1)[p],
                    "committed offset of partition " + p + " went backwards");
            }
        }
    }

    private static Thread start(final String name, final Runnable body)
    {
        final Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
