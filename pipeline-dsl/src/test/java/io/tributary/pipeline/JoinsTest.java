package io.tributary.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class JoinsTest
{
    private static final Consumed<String, String> STRINGS = Consumed.with(Serdes.string(), Serdes.string());
    private static final Produced<String, String> OUT = Produced.with(Serdes.string(), Serdes.string());

    @Test
    void streamTableJoinUsesTheLatestRowAndDropsRecordsWithoutOne()
    {
        final Pipeline p = Pipeline.create("enrich");
        final Table<String, String> customers = p.table("customers", STRINGS, Stateful.named("customers"));
        final Stream<String, String> orders = p.stream("orders", STRINGS);
        orders.join(customers, (order, name) -> order + " by " + name).to("inner", OUT);
        orders.leftJoin(customers, (order, name) -> order + " by " + name).to("left", OUT);
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, String> c = driver.input("customers", Serdes.string(), Serdes.string());
            final TestInput<String, String> o = driver.input("orders", Serdes.string(), Serdes.string());
            o.pipe("c1", "early", 1);
            c.pipe("c1", "Alice", 2);
            o.pipe("c1", "book", 3);
            c.pipe("c1", "Alice B.", 4);
            o.pipe("c1", "pen", 5);
            c.pipe("c1", null, 6);
            o.pipe("c1", "late", 7);
            assertEquals(List.of("book by Alice", "pen by Alice B."), driver.output("inner", Serdes.string(),
                Serdes.string()).readValues());
            assertEquals(List.of("early by null", "book by Alice", "pen by Alice B.", "late by null"),
                driver.output("left", Serdes.string(), Serdes.string()).readValues());
        }
    }

    @Test
    void tableSurvivesRestartAndStreamsItsUpdates()
    {
        final Pipeline p = Pipeline.create("table");
        final Table<String, String> customers = p.table("customers", STRINGS, Stateful.named("customers"));
        customers.toStream().to("updates", OUT);
        p.stream("orders", STRINGS).join(customers, (order, name) -> order + " by " + name).to("out", OUT);
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            driver.input("customers", Serdes.string(), Serdes.string()).pipe("c1", "Alice", 1);
            driver.restart();
            driver.input("orders", Serdes.string(), Serdes.string()).pipe("c1", "book", 2);
            assertEquals(List.of("book by Alice"), driver.output("out", Serdes.string(), Serdes.string())
                .readValues());
            assertEquals(List.of("Alice"), driver.output("updates", Serdes.string(), Serdes.string()).readValues());
        }
    }

    @Test
    void windowedStreamStreamJoinPairsRecordsCloseInTimeEitherOrder()
    {
        final Pipeline p = Pipeline.create("pairs");
        final KeyedStream<String, String> clicks = p.stream("clicks", STRINGS.withOutOfOrderness(
            Duration.ofSeconds(10)))
            .keyBy((k, v) -> k, Grouped.as("clicks-by-user", Serdes.string(), Serdes.string()));
        final KeyedStream<String, String> views = p.stream("views", STRINGS)
            .keyBy((k, v) -> k, Grouped.as("views-by-user", Serdes.string(), Serdes.string()));
        clicks.join(views, (c, v) -> c + "+" + v, JoinWindows.within(Duration.ofSeconds(5)),
            Stateful.named("click-view")).to("joined", OUT);
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, String> c = driver.input("clicks", Serdes.string(), Serdes.string());
            final TestInput<String, String> v = driver.input("views", Serdes.string(), Serdes.string());
            v.pipe("u1", "v1", 10_000);
            c.pipe("u1", "c1", 12_000);
            c.pipe("u2", "c2", 12_000);
            c.pipe("u1", "c3", 16_000);
            v.pipe("u1", "v2", 14_000);
            c.pipe("u1", "c4", 30_000);
            final TestOutput<String, String> out = driver.output("joined", Serdes.string(), Serdes.string());
            assertEquals(List.of(new Record<>("u1", "c1+v1", 12_000L), new Record<>("u1", "c1+v2", 14_000L),
                new Record<>("u1", "c3+v2", 16_000L)), out.readRecords());
            c.pipe("u1", "c5", 40_000);
            v.pipe("u1", "too-late", 12_000);
            assertEquals(List.of(), out.readValues());
        }
    }
}
