package io.tributary.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restarts anywhere in a stream change nothing: a pipeline with every window type, an aggregation table and a
 * stream–stream join gives the same output when its task is rebuilt from the changelog at random points as when it
 * runs straight through, and the same again when run a second time (replay). Input is shuffled within and beyond
 * the out-of-order allowance, so late records are part of it.
 */
@Timeout(60)
class RestartEquivalenceTest
{
    private static final List<String> OUTPUTS = List.of("tumbling", "hopping", "sliding", "session", "totals",
        "joined", "late");

    private static Topology topology()
    {
        final Pipeline p = Pipeline.create("equivalence");
        final Consumed<String, Long> consumed = Consumed.with(Serdes.string(), Serdes.longs())
            .withOutOfOrderness(Duration.ofSeconds(2));
        final KeyedStream<String, Long> keyed = p.stream("in", consumed)
            .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.longs()));
        final Produced<String, String> out = Produced.with(Serdes.string(), Serdes.string());
        final WindowedStream<String, Long> tumbling = keyed.window(Windows.tumbling(Duration.ofSeconds(5))
            .allowedLateness(Duration.ofSeconds(1)));
        tumbling.count(Stateful.named("tumbling")).map((w, c) -> KeyValue.of(w.key(), w + "=" + c))
            .to("tumbling", out);
        tumbling.lateRecords().mapValues(v -> Long.toString(v)).to("late", out);
        keyed.window(Windows.hopping(Duration.ofSeconds(6), Duration.ofSeconds(2)))
            .reduce(Long::sum, Stateful.named("hopping")).map((w, s) -> KeyValue.of(w.key(), w + "=" + s))
            .to("hopping", out);
        keyed.window(Windows.sliding(Duration.ofSeconds(3)))
            .aggregate(() -> "", (k, v, a) -> a + v + ",", Stateful.<String>named("sliding")
                .withSerde(Serdes.string()))
            .map((w, a) -> KeyValue.of(w.key(), w + "=" + a)).to("sliding", out);
        keyed.window(Windows.session(Duration.ofSeconds(2)))
            .count(Stateful.named("session")).map((w, c) -> KeyValue.of(w.key(), w + "=" + c))
            .to("session", out);
        keyed.aggregate(() -> 0L, (k, v, a) -> a + v, Stateful.<Long>named("totals").withSerde(Serdes.longs()))
            .toStream().mapValues(v -> Long.toString(v)).to("totals", out);
        final KeyedStream<String, Long> other = p.stream("other", Consumed.with(Serdes.string(), Serdes.longs()))
            .keyBy((k, v) -> k, Grouped.as("other-by-key", Serdes.string(), Serdes.longs()));
        keyed.join(other, (a, b) -> a + "+" + b, JoinWindows.within(Duration.ofSeconds(1)),
            Stateful.named("join")).to("joined", out);
        return p.build();
    }

    private static List<List<String>> run(final long seed, final double restartChance)
    {
        final Random random = new Random(seed);
        final List<List<String>> results = new ArrayList<>();
        OUTPUTS.forEach(o -> results.add(new ArrayList<>()));
        try (PipelineTestDriver driver = new PipelineTestDriver(topology()))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            final TestInput<String, Long> other = driver.input("other", Serdes.string(), Serdes.longs());
            for (int i = 0; i < 400; i++)
            {
                final long time = i * 100L + random.nextInt(4_000) - 2_000;
                final String key = "k" + random.nextInt(5);
                if (random.nextInt(4) == 0)
                {
                    other.pipe(key, (long)i, time);
                }
                else
                {
                    in.pipe(key, (long)i, time);
                }
                if (random.nextDouble() < restartChance)
                {
                    driver.restart();
                }
                collect(driver, results);
            }
            driver.advanceWatermark(1_000_000);
            collect(driver, results);
        }
        return results;
    }

    private static void collect(final PipelineTestDriver driver, final List<List<String>> results)
    {
        for (int o = 0; o < OUTPUTS.size(); o++)
        {
            for (final Record<String, String> r : driver.output(OUTPUTS.get(o), Serdes.string(), Serdes.string())
                .readRecords())
            {
                results.get(o).add(r.key() + " " + r.value() + " @" + r.timestamp());
            }
        }
    }

    @Test
    void restartsAndReplaysGiveTheSameOutputs()
    {
        long late = 0;
        for (long seed = 1; seed <= 20; seed++)
        {
            final List<List<String>> straight = run(seed, 0);
            late += straight.get(OUTPUTS.indexOf("late")).size();
            for (int o = 0; o < OUTPUTS.size(); o++)
            {
                assertTrue(!straight.get(o).isEmpty() || OUTPUTS.get(o).equals("late"),
                    "no output on " + OUTPUTS.get(o));
            }
            assertEquals(straight, run(seed, 0), "replay, seed " + seed);
            assertEquals(straight, run(seed, 0.1), "with restarts, seed " + seed);
        }
        assertTrue(late > 0, "no late records in any run");
    }
}
