package io.tributary.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class StatelessOperatorsTest
{
    private static final Consumed<String, String> STRINGS = Consumed.with(Serdes.string(), Serdes.string());
    private static final Produced<String, String> OUT = Produced.with(Serdes.string(), Serdes.string());

    @Test
    void filterMapValuesAndMapKeepEventTime()
    {
        final Pipeline p = Pipeline.create("stateless");
        p.stream("in", STRINGS)
            .filter((k, v) -> !v.isEmpty())
            .mapValues(String::toUpperCase)
            .map((k, v) -> KeyValue.of(v, k))
            .to("out", OUT);
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, String> in = driver.input("in", Serdes.string(), Serdes.string());
            in.pipe("a", "x", 10);
            in.pipe("b", "", 20);
            in.pipe("c", "y", 30);
            assertEquals(List.of(new Record<>("X", "a", 10L), new Record<>("Y", "c", 30L)),
                driver.output("out", Serdes.string(), Serdes.string()).readRecords());
        }
    }

    @Test
    void flatMapPeekAndMerge()
    {
        final Pipeline p = Pipeline.create("flat");
        final List<String> seen = new ArrayList<>();
        final Stream<String, String> words = p.stream("lines", STRINGS)
            .flatMap((k, v) -> List.of(v.split(" ")).stream().map(w -> KeyValue.of(w, w)).toList());
        final Stream<String, String> more = p.stream("words", STRINGS);
        words.merge(more).peek((k, v) -> seen.add(v)).to("all", OUT);
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            driver.input("lines", Serdes.string(), Serdes.string()).pipe(null, "a b c", 1);
            driver.input("words", Serdes.string(), Serdes.string()).pipe("d", "d", 2);
            assertEquals(List.of("a", "b", "c", "d"), driver.output("all", Serdes.string(), Serdes.string())
                .readValues());
            assertEquals(List.of("a", "b", "c", "d"), seen);
        }
    }

    @Test
    void splitRoutesToFirstMatchingBranchAndOtherwise()
    {
        final Pipeline p = Pipeline.create("split");
        final Map<String, Stream<String, Long>> branches = p.stream("n", Consumed.with(Serdes.string(),
            Serdes.longs()))
            .split(Split.<String, Long>when("big", (k, v) -> v > 100).or("even", (k, v) -> v % 2 == 0)
                .otherwise("rest"));
        assertEquals(List.of("big", "even", "rest"), List.copyOf(branches.keySet()));
        branches.forEach((name, s) -> s.to(name, Produced.with(Serdes.string(), Serdes.longs())));
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, Long> in = driver.input("n", Serdes.string(), Serdes.longs());
            for (final long v : new long[] {1, 2, 102, 3, 4})
            {
                in.pipe("k", v, v);
            }
            assertEquals(List.of(102L), driver.output("big", Serdes.string(), Serdes.longs()).readValues());
            assertEquals(List.of(2L, 4L), driver.output("even", Serdes.string(), Serdes.longs()).readValues());
            assertEquals(List.of(1L, 3L), driver.output("rest", Serdes.string(), Serdes.longs()).readValues());
        }
    }

    @Test
    void dynamicRoutingChoosesTopicPerRecord()
    {
        final Pipeline p = Pipeline.create("route");
        p.stream("events", STRINGS).to(r -> "events-" + r.key(), OUT);
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, String> in = driver.input("events", Serdes.string(), Serdes.string());
            in.pipe("eu", "1", 1);
            in.pipe("us", "2", 2);
            in.pipe("eu", "3", 3);
            assertEquals(List.of("events-eu", "events-us"), driver.writtenTopics());
            assertEquals(List.of("1", "3"), driver.output("events-eu", Serdes.string(), Serdes.string())
                .readValues());
        }
    }

    @Test
    void jsonSerdeMapsRecords()
    {
        record Reading(String sensor, double value)
        {
        }
        final Serde<Reading> serde = Serdes.json(Reading.class);
        final Reading reading = new Reading("s1", 21.5);
        assertEquals(reading, serde.deserialize(serde.serialize(reading)));
        assertEquals("{\"sensor\":\"s1\",\"value\":21.5}", new String(serde.serialize(reading)));
        assertThrows(IllegalArgumentException.class, () -> serde.deserialize("{\"sensr\":\"s1\"}".getBytes()));
        assertEquals(null, serde.serialize(null));
    }

    @Test
    void describeListsOperatorsStoresAndTopics()
    {
        final Pipeline p = Pipeline.create("describe");
        p.stream("in", STRINGS)
            .filter((k, v) -> true)
            .keyBy((k, v) -> v, Grouped.as("by-value", Serdes.string(), Serdes.string()))
            .count(Stateful.named("counts"))
            .toStream()
            .to("counts", Produced.with(Serdes.string(), Serdes.longs()));
        final Topology topology = p.build();
        final String text = topology.describe();
        assertTrue(text.contains("source in"), text);
        assertTrue(text.contains("keyBy by-value -> describe-by-value-repartition"), text);
        assertTrue(text.contains("count counts [store counts]"), text);
        assertTrue(text.contains("counts -> describe-counts-changelog"), text);
        assertEquals(java.util.Set.of("in"), topology.sourceTopics());
        assertEquals(java.util.Set.of("counts"), topology.sinkTopics());
        assertEquals(java.util.Set.of("describe-by-value-repartition"), topology.repartitionTopics());
        assertThrows(IllegalStateException.class, () -> p.stream("other", STRINGS));
    }

    @Test
    void namesMustBeUniqueAndLegal()
    {
        final Pipeline p = Pipeline.create("names");
        final KeyedStream<String, String> keyed = p.stream("in", STRINGS)
            .keyBy((k, v) -> k, Grouped.as("k", Serdes.string(), Serdes.string()));
        keyed.count(Stateful.named("c"));
        assertThrows(IllegalArgumentException.class, () -> keyed.count(Stateful.named("c")));
        assertThrows(IllegalArgumentException.class, () -> Stateful.named("bad name"));
        assertThrows(IllegalArgumentException.class, () -> p.stream("in", STRINGS));
        assertThrows(IllegalArgumentException.class, () -> Pipeline.create(""));
    }
}
