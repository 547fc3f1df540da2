package io.tributary.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class WindowsTest
{
    private static final Grouped<String, Long> BY_KEY = Grouped.as("by-key", Serdes.string(), Serdes.longs());

    /**
     * Counts per key and window, written as "key@start-end=count", with late records to "late".
     */
    private static Topology counting(final Windows windows, final Duration outOfOrderness)
    {
        final Pipeline p = Pipeline.create("windows");
        final WindowedStream<String, Long> windowed = p.stream("in", Consumed.with(Serdes.string(), Serdes.longs())
            .withOutOfOrderness(outOfOrderness))
            .keyBy((k, v) -> k, BY_KEY)
            .window(windows);
        windowed.count(Stateful.named("counts"))
            .mapValues(Object::toString)
            .map((w, c) -> KeyValue.of(w.key(), w.key() + "@" + w.start() + "-" + w.end() + "=" + c))
            .to("out", Produced.with(Serdes.string(), Serdes.string()));
        windowed.lateRecords().to("late", Produced.with(Serdes.string(), Serdes.longs()));
        return p.build();
    }

    private static List<String> results(final PipelineTestDriver driver)
    {
        return driver.output("out", Serdes.string(), Serdes.string()).readValues();
    }

    private static List<Long> late(final PipelineTestDriver driver)
    {
        return driver.output("late", Serdes.string(), Serdes.longs()).readValues();
    }

    @Test
    void tumblingEmitsOnceWhenTheWatermarkPassesTheEnd()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.tumbling(Duration.ofSeconds(10)),
            Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 1_000);
            in.pipe("b", 1L, 2_000);
            in.pipe("a", 1L, 9_999);
            assertEquals(List.of(), results(driver));
            in.pipe("a", 1L, 10_000);
            assertEquals(List.of("a@0-10000=2", "b@0-10000=1"), results(driver));
            driver.advanceWatermark(20_000);
            assertEquals(List.of("a@10000-20000=1"), results(driver));
        }
    }

    @Test
    void outOfOrderRecordsWithinTheAllowanceCountAndLaterOnesGoToTheSideOutput()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.tumbling(Duration.ofSeconds(10)),
            Duration.ofSeconds(5))))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 8_000);
            in.pipe("a", 2L, 12_000);
            in.pipe("a", 3L, 6_000);
            assertEquals(List.of(), results(driver));
            in.pipe("a", 4L, 15_000);
            assertEquals(List.of("a@0-10000=2"), results(driver));
            in.pipe("a", 5L, 9_000);
            assertEquals(List.of(5L), late(driver));
            assertEquals(List.of(), results(driver));
        }
    }

    @Test
    void allowedLatenessKeepsAWindowOpenLonger()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.tumbling(Duration.ofSeconds(10))
            .allowedLateness(Duration.ofSeconds(3)), Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 5_000);
            in.pipe("a", 2L, 12_000);
            in.pipe("a", 3L, 7_000);
            assertEquals(List.of(), late(driver));
            in.pipe("a", 4L, 13_000);
            assertEquals(List.of("a@0-10000=2"), results(driver));
            in.pipe("a", 5L, 8_000);
            assertEquals(List.of(5L), late(driver));
        }
    }

    @Test
    void hoppingPutsARecordInEveryWindowHoldingIt()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.hopping(Duration.ofSeconds(10),
            Duration.ofSeconds(5)), Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 3_000);
            in.pipe("a", 1L, 7_000);
            in.pipe("a", 1L, 12_000);
            driver.advanceWatermark(30_000);
            assertEquals(List.of("a@-5000-5000=1", "a@0-10000=2", "a@5000-15000=2", "a@10000-20000=1"),
                results(driver));
        }
    }

    @Test
    void hoppingLateForSomeWindowsStillCountsInTheOpenOnes()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.hopping(Duration.ofSeconds(10),
            Duration.ofSeconds(5)), Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 11_000);
            results(driver);
            in.pipe("a", 2L, 6_000);
            assertEquals(List.of(), late(driver));
            driver.advanceWatermark(30_000);
            assertEquals(List.of("a@5000-15000=2", "a@10000-20000=1"), results(driver));
        }
    }

    @Test
    void hoppingRecordWhoseWindowsAreAllClosedGoesToTheSideOutput()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.hopping(Duration.ofSeconds(10),
            Duration.ofSeconds(5)), Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 3_000);
            in.pipe("a", 2L, 21_000);
            assertEquals(List.of("a@-5000-5000=1", "a@0-10000=1"), results(driver));
            in.pipe("a", 3L, 12_000);   // [5000, 15000) and [10000, 20000): both closed at watermark 21000
            assertEquals(List.of(3L), late(driver));
            in.pipe("a", 4L, 16_000);   // [10000, 20000) closed, [15000, 25000) open: counted, not late
            assertEquals(List.of(), late(driver));
            driver.advanceWatermark(40_000);
            assertEquals(List.of("a@15000-25000=2", "a@20000-30000=1"), results(driver));
        }
    }

    @Test
    void slidingEmitsTheWindowEndingAtEachRecordIncludingOutOfOrderOnes()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.sliding(Duration.ofSeconds(10)),
            Duration.ofSeconds(2))))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 1_000);
            in.pipe("a", 1L, 5_000);
            in.pipe("a", 1L, 4_000);
            in.pipe("a", 1L, 15_000);
            assertEquals(List.of("a@-9000-1001=1", "a@-6000-4001=2", "a@-5000-5001=3"), results(driver));
            in.pipe("a", 1L, 3_000);
            assertEquals(List.of(1L), late(driver));
            driver.advanceWatermark(100_000);
            assertEquals(List.of("a@5000-15001=2"), results(driver));
        }
    }

    @Test
    void sessionsMergeWhenARecordBridgesThem()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.session(Duration.ofSeconds(5)),
            Duration.ofSeconds(10))))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 1_000);
            in.pipe("a", 1L, 3_000);
            in.pipe("a", 1L, 10_000);
            in.pipe("b", 1L, 2_000);
            in.pipe("a", 1L, 7_000);
            assertEquals(List.of(), results(driver));
            in.pipe("a", 1L, 30_000);
            assertEquals(List.of("b@2000-2001=1", "a@1000-10001=4"), results(driver));
            driver.advanceWatermark(100_000);
            assertEquals(List.of("a@30000-30001=1"), results(driver));
            in.pipe("a", 1L, 50_000);
            assertEquals(List.of(1L), late(driver));
        }
    }

    @Test
    void processingTimeWindowsFollowTheWallClock()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.tumbling(Duration.ofSeconds(10))
            .onProcessingTime(), Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 999_000);
            in.pipe("a", 1L, 1);
            driver.advanceWallClock(Duration.ofSeconds(9));
            in.pipe("a", 1L, 5);
            assertEquals(List.of(), results(driver));
            driver.advanceWallClock(Duration.ofSeconds(1));
            assertEquals(List.of("a@0-10000=3"), results(driver));
            assertEquals(List.of(), late(driver));
        }
        assertThrows(IllegalArgumentException.class, () -> Windows.session(Duration.ofSeconds(1)).onProcessingTime());
    }

    @Test
    void processingTimeHoppingWindowsFollowTheWallClock()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.hopping(Duration.ofSeconds(10),
            Duration.ofSeconds(5)).onProcessingTime(), Duration.ZERO)))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 999_000);   // event times play no part: wall clock 0 puts it in [-5000, 5000), [0, 10000)
            driver.advanceWallClock(Duration.ofSeconds(3));
            in.pipe("a", 1L, 1);
            assertEquals(List.of(), results(driver));
            driver.advanceWallClock(Duration.ofSeconds(2));
            assertEquals(List.of("a@-5000-5000=2"), results(driver));
            in.pipe("a", 1L, 2);         // wall clock 5000: [0, 10000) and [5000, 15000)
            driver.advanceWallClock(Duration.ofSeconds(5));
            assertEquals(List.of("a@0-10000=3"), results(driver));
            driver.advanceWallClock(Duration.ofSeconds(5));
            assertEquals(List.of("a@5000-15000=1"), results(driver));
            assertEquals(List.of(), late(driver));
        }
    }

    @Test
    void windowedReduceAndAggregate()
    {
        final Pipeline p = Pipeline.create("agg");
        final WindowedStream<String, Long> w = p.stream("in", Consumed.with(Serdes.string(), Serdes.longs()))
            .keyBy((k, v) -> k, BY_KEY)
            .window(Windows.tumbling(Duration.ofSeconds(10)));
        w.reduce(Long::max, Stateful.named("max")).map((k, v) -> KeyValue.of(k.key(), v))
            .to("max", Produced.with(Serdes.string(), Serdes.longs()));
        w.aggregate(() -> "", (k, v, a) -> a + v, Stateful.<String>named("concat").withSerde(Serdes.string()))
            .map((k, v) -> KeyValue.of(k.key(), v)).to("concat", Produced.with(Serdes.string(), Serdes.string()));
        try (PipelineTestDriver driver = new PipelineTestDriver(p.build()))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 3L, 1);
            in.pipe("a", 7L, 2);
            in.pipe("a", 5L, 3);
            driver.advanceWatermark(10_000);
            assertEquals(List.of(7L), driver.output("max", Serdes.string(), Serdes.longs()).readValues());
            assertEquals(List.of("375"), driver.output("concat", Serdes.string(), Serdes.string()).readValues());
        }
    }

    @Test
    void openWindowsSurviveARestart()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(counting(Windows.tumbling(Duration.ofSeconds(10)),
            Duration.ofSeconds(1))))
        {
            final TestInput<String, Long> in = driver.input("in", Serdes.string(), Serdes.longs());
            in.pipe("a", 1L, 1_000);
            in.pipe("a", 1L, 2_000);
            driver.restart();
            in.pipe("a", 1L, 3_000);
            in.pipe("a", 1L, 20_000);
            assertEquals(List.of("a@0-10000=3"), results(driver));
            driver.restart();
            assertTrue(driver.watermark() >= 19_000);
            in.pipe("a", 1L, 5_000);
            assertEquals(List.of(1L), late(driver));
        }
    }
}
