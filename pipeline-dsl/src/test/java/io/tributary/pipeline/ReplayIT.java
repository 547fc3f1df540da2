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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replay on a real cluster: pipelines started at an offset, at a time and at the end of a preloaded topic output
 * exactly the records from there on, then carry on with records produced live; stopped and restarted, they resume
 * from their committed offsets, not from their {@link StartAt} again.
 * <p>
 * Input: two partitions, each preloaded with {@value #PRELOAD} records at offsets 0.. whose timestamps are
 * {@code T0 + offset} seconds, valued {@code "<partition>-<offset>"}. The pipeline copies values to its output.
 */
@Timeout(300)
class ReplayIT
{
    private static final String INPUT = "replay-input";
    private static final int PARTITIONS = 2;
    private static final int PRELOAD = 20;
    private static final int FROM_OFFSET = 8;
    private static final int FROM_SECOND = 12;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

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

    @Test
    void startsAtAnOffsetATimeOrTheEndThenCarriesOnLiveAndResumesFromItsCommits() throws Exception
    {
        admin.createTopic(new NewTopic(INPUT, PARTITIONS));
        final List<Replay> replays = List.of(
            new Replay("replay-offset", StartAt.offset(FROM_OFFSET), FROM_OFFSET),
            new Replay("replay-time", StartAt.time(T0.plusSeconds(FROM_SECOND)), FROM_SECOND),
            new Replay("replay-end", StartAt.end(), PRELOAD));
        for (final Replay replay : replays)
        {
            admin.createTopic(new NewTopic(replay.output, PARTITIONS));
        }
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(cluster.members())
            .build(), Serializer.string(), Serializer.string()))
        {
            produce(producer, 0, PRELOAD, true);
            try
            {
                // Backfill: exactly the preloaded records from each start on; the one at the end outputs nothing.
                replays.forEach(Replay::start);
                for (final Replay replay : replays)
                {
                    await(replay.name + " to hold its partitions", () -> replay.outputs() >= 0
                        && replay.running.runner().partitions().size() == PARTITIONS);
                    await(replay.name + " to catch up", () -> replay.outputs() >= expected(replay, PRELOAD).size());
                }

                // Live: records produced now (timestamped now, after T0) follow, for every start.
                produce(producer, PRELOAD, PRELOAD + 10, false);
                for (final Replay replay : replays)
                {
                    await(replay.name + " to carry on live", () -> replay.outputs()
                        >= expected(replay, PRELOAD + 10).size());
                }
            }
            finally
            {
                replays.forEach(Replay::stop);
            }
            for (final Replay replay : replays)
            {
                assertEquals(expected(replay, PRELOAD + 10), values(replay.output), replay.name);
            }

            // Records produced while stopped; a restart resumes after the last checkpoint: nothing before the start
            // again (a duplicate would show), nothing skipped (a restart at the end would skip these).
            produce(producer, PRELOAD + 10, PRELOAD + 20, false);
            try
            {
                replays.forEach(Replay::start);
                for (final Replay replay : replays)
                {
                    await(replay.name + " to resume", () -> replay.outputs()
                        >= expected(replay, PRELOAD + 20).size());
                }
            }
            finally
            {
                replays.forEach(Replay::stop);
            }
            for (final Replay replay : replays)
            {
                assertEquals(expected(replay, PRELOAD + 20), values(replay.output), replay.name + " after restart");
            }
        }
    }

    /**
     * A pipeline copying {@link #INPUT} to its own output topic, run in this JVM.
     */
    private static final class Replay
    {
        final String name;
        final String output;
        final StartAt startAt;
        final int firstOffset;
        RunnerThread running;

        Replay(final String name, final StartAt startAt, final int firstOffset)
        {
            this.name = name;
            this.output = name + "-output";
            this.startAt = startAt;
            this.firstOffset = firstOffset;
        }

        void start()
        {
            final Pipeline p = Pipeline.create(name);
            p.stream(INPUT, Consumed.with(Serdes.string(), Serdes.string()))
                .to(output, Produced.with(Serdes.string(), Serdes.string()));
            running = RunnerThread.start(p.build(), RunnerConfig.of(cluster.members()).withStartAt(startAt)
                .withCommitInterval(Duration.ofMillis(50)));
        }

        /**
         * @return its output's record count, once sure that it is running.
         */
        long outputs()
        {
            running.running();
            return count(output);
        }

        void stop()
        {
            if (running == null)
            {
                return;
            }
            try
            {
                running.stop();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            running = null;
        }
    }

    /**
     * @return the values the replay outputs once offsets {@code 0..end-1} of each partition are written, sorted.
     */
    private static List<String> expected(final Replay replay, final int end)
    {
        final List<String> values = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++)
        {
            for (int offset = replay.firstOffset; offset < end; offset++)
            {
                values.add(p + "-" + offset);
            }
        }
        values.sort(null);
        return values;
    }

    /**
     * Write offsets {@code from..to-1} to each partition; preloaded ones timestamped {@code T0 + offset} seconds,
     * live ones now.
     */
    private static void produce(final Producer<String, String> producer, final int from, final int to,
        final boolean preload)
    {
        for (int p = 0; p < PARTITIONS; p++)
        {
            for (int offset = from; offset < to; offset++)
            {
                final ProducerRecord<String, String> record =
                    ProducerRecord.of(INPUT, p, "k" + offset, p + "-" + offset);
                producer.send(preload ? record.withTimestamp(T0.plusSeconds(offset).toEpochMilli()) : record);
            }
        }
        producer.flush();
    }

    private static List<String> values(final String topic)
    {
        final List<String> values = new ArrayList<>();
        TopicReads.records(cluster.members(), admin, topic).forEach(r -> values.add(r.value()));
        values.sort(null);
        return values;
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
