package io.tributary.examples.pipelines;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.KeyValue;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Serde;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Stream;
import io.tributary.pipeline.Topology;
import io.tributary.pipeline.Windows;

import java.time.Duration;

/**
 * Sensor readings to per-sensor one-minute averages, and alerts routed by severity to their own topics.
 * <ul>
 *   <li>reads {@value #READINGS}: key = sensor id, value = JSON {@link Reading}, event time = its {@code time};</li>
 *   <li>writes every average to {@value #AVERAGES} (JSON {@link Average});</li>
 *   <li>writes averages of {@value #WARNING_CELSIUS} °C or more to {@code alerts-warning}, of
 *       {@value #CRITICAL_CELSIUS} °C or more to {@code alerts-critical} (JSON {@link Alert});</li>
 *   <li>readings more than 10 s out of order and later than the window are written to {@value #LATE}.</li>
 * </ul>
 * Run it: {@code tributary pipeline run --class io.tributary.examples.pipelines.SensorAlerts --jar examples.jar}.
 */
public final class SensorAlerts implements PipelineDefinition
{
    public static final String READINGS = "sensor-readings";
    public static final String AVERAGES = "sensor-averages";
    public static final String LATE = "sensor-readings-late";
    public static final double WARNING_CELSIUS = 60;
    public static final double CRITICAL_CELSIUS = 80;

    /**
     * A sensor reading.
     *
     * @param sensor  sensor id.
     * @param celsius temperature.
     * @param time    when it was measured, epoch ms.
     */
    public record Reading(String sensor, double celsius, long time)
    {
    }

    /**
     * A running sum while a window is open.
     *
     * @param count    readings.
     * @param sum      their total.
     */
    public record Sum(long count, double sum)
    {
        Sum add(final double celsius)
        {
            return new Sum(count + 1, sum + celsius);
        }
    }

    /**
     * A sensor's average over one minute.
     *
     * @param sensor  sensor id.
     * @param start   window start, epoch ms.
     * @param celsius average temperature.
     * @param count   readings averaged.
     */
    public record Average(String sensor, long start, double celsius, long count)
    {
    }

    /**
     * An alert.
     *
     * @param severity "warning" or "critical".
     * @param sensor   sensor id.
     * @param start    window start, epoch ms.
     * @param celsius  the average that raised it.
     */
    public record Alert(String severity, String sensor, long start, double celsius)
    {
    }

    public Topology topology()
    {
        final Serde<Reading> readings = Serdes.json(Reading.class);
        final Pipeline p = Pipeline.create("sensor-alerts");
        final var windowed = p.stream(READINGS, Consumed.with(Serdes.string(), readings)
                .withTimestamps((sensor, r, ts) -> r.time())
                .withOutOfOrderness(Duration.ofSeconds(10)))
            .keyBy((k, r) -> r.sensor(), Grouped.as("by-sensor", Serdes.string(), readings))
            .window(Windows.tumbling(Duration.ofMinutes(1)));
        windowed.lateRecords().to(LATE, Produced.with(Serdes.string(), readings));
        final Stream<String, Average> averages = windowed
            .aggregate(() -> new Sum(0, 0), (sensor, r, sum) -> sum.add(r.celsius()),
                Stateful.<Sum>named("minute-sums").withSerde(Serdes.json(Sum.class)))
            .map((w, sum) -> KeyValue.of(w.key(),
                new Average(w.key(), w.start(), sum.sum() / sum.count(), sum.count())));
        averages.to(AVERAGES, Produced.with(Serdes.string(), Serdes.json(Average.class)));
        averages
            .filter((sensor, a) -> a.celsius() >= WARNING_CELSIUS)
            .mapValues(a -> new Alert(a.celsius() >= CRITICAL_CELSIUS ? "critical" : "warning", a.sensor(),
                a.start(), a.celsius()))
            .to(r -> "alerts-" + r.value().severity(), Produced.with(Serdes.string(), Serdes.json(Alert.class)));
        return p.build();
    }
}
