package io.tributary.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class AggregationsTest
{
    record Order(String customer, long cents)
    {
    }

    private static final Consumed<String, Order> ORDERS = Consumed.with(Serdes.string(), Serdes.json(Order.class));
    private static final Grouped<String, Order> BY_CUSTOMER =
        Grouped.as("by-customer", Serdes.string(), Serdes.json(Order.class));

    @Test
    void countReduceAndAggregateEmitEveryUpdateAndRekeyThroughRepartition()
    {
        final Pipeline p = Pipeline.create("totals");
        final KeyedStream<String, Order> byCustomer = p.stream("orders", ORDERS)
            .keyBy((k, o) -> o.customer(), BY_CUSTOMER);
        byCustomer.count(Stateful.named("count")).toStream()
            .to("counts", Produced.with(Serdes.string(), Serdes.longs()));
        byCustomer.reduce((a, b) -> a.cents() >= b.cents() ? a : b, Stateful.named("largest")).toStream()
            .mapValues(Order::cents).to("largest", Produced.with(Serdes.string(), Serdes.longs()));
        byCustomer.aggregate(() -> 0L, (k, o, sum) -> sum + o.cents(),
            Stateful.<Long>named("total").withSerde(Serdes.longs())).toStream()
            .to("totals", Produced.with(Serdes.string(), Serdes.longs()));
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, Order> in = driver.input("orders", Serdes.string(), Serdes.json(Order.class));
            in.pipe("o1", new Order("alice", 500), 1);
            in.pipe("o2", new Order("bob", 100), 2);
            in.pipe("o3", new Order("alice", 250), 3);
            assertEquals(List.of(new Record<>("alice", 1L, 1L), new Record<>("bob", 1L, 2L),
                new Record<>("alice", 2L, 3L)), driver.output("counts", Serdes.string(), Serdes.longs())
                .readRecords());
            assertEquals(List.of(500L, 100L, 500L), driver.output("largest", Serdes.string(), Serdes.longs())
                .readValues());
            assertEquals(Map.of("alice", 750L, "bob", 100L), driver.output("totals", Serdes.string(),
                Serdes.longs()).readKeyValuesToMap());
            assertEquals(Map.of("alice", 750L, "bob", 100L), driver.readStore("total", Serdes.string(),
                Serdes.longs()));
        }
    }

    @Test
    void stateIsRestoredFromTheChangelogAfterARestart()
    {
        final Pipeline p = Pipeline.create("restore");
        p.stream("orders", ORDERS).keyBy((k, o) -> o.customer(), BY_CUSTOMER)
            .count(Stateful.named("count")).toStream()
            .to("counts", Produced.with(Serdes.string(), Serdes.longs()));
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, Order> in = driver.input("orders", Serdes.string(), Serdes.json(Order.class));
            in.pipe("o1", new Order("alice", 1), 1);
            in.pipe("o2", new Order("alice", 1), 2);
            driver.restart();
            in.pipe("o3", new Order("alice", 1), 3);
            assertEquals(List.of(1L, 2L, 3L), driver.output("counts", Serdes.string(), Serdes.longs())
                .readValues());
        }
    }

    @Test
    void aggregateNeedsTheSerdeOfItsState()
    {
        final Pipeline p = Pipeline.create("serde");
        final KeyedStream<String, Order> keyed = p.stream("orders", ORDERS).keyBy((k, o) -> k, BY_CUSTOMER);
        assertThrows(NullPointerException.class, () -> keyed.aggregate(() -> 0L, (k, o, a) -> a,
            Stateful.named("x")));
    }
}
