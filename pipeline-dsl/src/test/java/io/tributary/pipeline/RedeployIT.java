package io.tributary.pipeline;

import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Redeploys of one pipeline on a cluster: version 2 changes the topology's shape (a new branch built first, stateless
 * operators added before and after the count, so every operator is numbered differently) but keeps the names of its
 * count and of its {@code keyBy}: its counts carry on from version 1's. Version 3 renames the count: it starts from
 * empty state, while the input offsets, which belong to the pipeline's name, still carry on.
 */
@Timeout(300)
class RedeployIT
{
    private static final String NAME = "redeploy";
    private static final String INPUT = "redeploy-input";
    private static final String OUTPUT = "redeploy-output";
    private static final String AUDIT = "redeploy-audit";
    private static final int PARTITIONS = 2;
    private static final int KEYS = 4;
    private static final int PER_KEY = 5;

    private static TestCluster cluster;
    private static Admin admin;

    @BeforeAll
    static void startCluster()
    {
        cluster = TestCluster.start(1);
        admin = Admin.create(cluster.members());
    }

    @AfterAll
    static void stopCluster()
    {
        if (admin != null)
        {
            admin.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    /**
     * Version 1: count per key, written as {@code "v1:<count>"}.
     */
    private static Topology version1()
    {
        final Pipeline p = Pipeline.create(NAME);
        p.stream(INPUT, Consumed.with(Serdes.string(), Serdes.longs()))
            .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.longs()))
            .count(Stateful.named("counts"))
            .toStream()
            .mapValues(count -> "v1:" + count)
            .to(OUTPUT, Produced.with(Serdes.string(), Serdes.string()));
        return p.build();
    }

    /**
     * Version 2 (or 3, with another name for the count): an audit branch first, then filter and peek before the
     * {@code keyBy}, a map after the count.
     */
    private static Topology version2(final String version, final String countName)
    {
        final Pipeline p = Pipeline.create(NAME);
        final Stream<String, Long> input = p.stream(INPUT, Consumed.with(Serdes.string(), Serdes.longs()));
        input.mapValues(v -> "seen " + v).to(AUDIT, Produced.with(Serdes.string(), Serdes.string()));
        input.filter((k, v) -> v >= 0)
            .peek((k, v) -> { })
            .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.longs()))
            .count(Stateful.named(countName))
            .toStream()
            .map((k, count) -> KeyValue.of(k, count))
            .mapValues(count -> version + ":" + count)
            .to(OUTPUT, Produced.with(Serdes.string(), Serdes.string()));
        return p.build();
    }

    @Test
    void theNameOfAStatefulOperatorTiesItsStateAcrossRedeploysWhateverTheShape() throws Exception
    {
        admin.createTopic(new NewTopic(INPUT, PARTITIONS));
        admin.createTopic(new NewTopic(OUTPUT, PARTITIONS));
        admin.createTopic(new NewTopic(AUDIT, PARTITIONS));
        try (Producer<String, Long> producer = Producer.create(ProducerConfig.builder().cluster(cluster.members())
            .build(), Serializer.string(), Serializer.longs()))
        {
            deploy(version1(), producer, 0);
            deploy(version2("v2", "counts"), producer, 1);
            deploy(version2("v3", "counts-renamed"), producer, 2);
        }
        final Map<String, List<String>> byKey = readAll(OUTPUT);
        assertEquals(KEYS, byKey.size(), byKey.toString());
        for (final Map.Entry<String, List<String>> key : byKey.entrySet())
        {
            final List<String> expected = new ArrayList<>();
            LongStream.rangeClosed(1, PER_KEY).forEach(c -> expected.add("v1:" + c));
            LongStream.rangeClosed(PER_KEY + 1, 2 * PER_KEY).forEach(c -> expected.add("v2:" + c));
            LongStream.rangeClosed(1, PER_KEY).forEach(c -> expected.add("v3:" + c));
            assertEquals(expected, key.getValue(), "counts of " + key.getKey());
        }
        assertEquals(2L * KEYS * PER_KEY, count(AUDIT), "the branch added in version 2 sees only its own input");
    }

    /**
     * Run a version until it has counted {@link #PER_KEY} new records per key, then stop it (it checkpoints).
     */
    private static void deploy(final Topology version, final Producer<String, Long> producer, final int round)
        throws InterruptedException
    {
        final RunnerThread running = RunnerThread.start(version, RunnerConfig.of(cluster.members())
            .withCommitInterval(Duration.ofMillis(50)));
        try
        {
            for (int i = 0; i < PER_KEY; i++)
            {
                for (int key = 0; key < KEYS; key++)
                {
                    producer.send(ProducerRecord.of(INPUT, "k" + key, (long)(round * 1000 + i * KEYS + key)));
                }
            }
            producer.flush();
            final long expected = (round + 1L) * KEYS * PER_KEY;
            await(version.name() + " round " + round, () -> running.running() && count(OUTPUT) >= expected);
        }
        finally
        {
            running.stop();
        }
    }

    private static Map<String, List<String>> readAll(final String topic)
    {
        return TopicReads.byKey(cluster.members(), admin, topic);
    }

    private static long count(final String topic)
    {
        return TopicReads.count(admin, topic);
    }

    private static Map<TopicPartition, Long> ends(final String topic)
    {
        return TopicReads.ends(admin, topic);
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        TopicReads.await(what, condition);
    }
}
