package io.tributary.examples.pipelines;

import io.tributary.examples.pipelines.SensorAlerts.Alert;
import io.tributary.examples.pipelines.SensorAlerts.Average;
import io.tributary.examples.pipelines.SensorAlerts.Reading;
import io.tributary.pipeline.PipelineTestDriver;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.TestInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(10)
class SensorAlertsTest
{
    private static final long MINUTE = 60_000;

    @Test
    void averagesPerSensorAndMinuteAndAlertsBySeverity()
    {
        try (PipelineTestDriver driver = new PipelineTestDriver(new SensorAlerts().topology()))
        {
            final TestInput<String, Reading> in = driver.input(SensorAlerts.READINGS, Serdes.string(),
                Serdes.json(Reading.class));
            in.pipe("s1", new Reading("s1", 20, 1_000), 0);
            in.pipe("s2", new Reading("s2", 70, 2_000), 0);
            in.pipe("s3", new Reading("s3", 90, 3_000), 0);
            in.pipe("s1", new Reading("s1", 30, 50_000), 0);
            in.pipe("s3", new Reading("s3", 84, 55_000), 0);
            in.pipe("s1", new Reading("s1", 40, MINUTE + 5_000), 0);
            in.pipe("s2", new Reading("s2", 50, 58_000), 0);
            assertEquals(List.of(), driver.output(SensorAlerts.AVERAGES, Serdes.string(),
                Serdes.json(Average.class)).readValues());
            in.pipe("s1", new Reading("s1", 40, MINUTE + 11_000), 0);

            assertEquals(List.of(new Average("s1", 0, 25, 2), new Average("s2", 0, 60, 2),
                new Average("s3", 0, 87, 2)), driver.output(SensorAlerts.AVERAGES, Serdes.string(),
                Serdes.json(Average.class)).readValues());
            assertEquals(List.of(new Alert("warning", "s2", 0, 60)), driver.output("alerts-warning",
                Serdes.string(), Serdes.json(Alert.class)).readValues());
            assertEquals(List.of(new Alert("critical", "s3", 0, 87)), driver.output("alerts-critical",
                Serdes.string(), Serdes.json(Alert.class)).readValues());

            in.pipe("s2", new Reading("s2", 99, 59_000), 0);
            assertEquals(List.of(new Reading("s2", 99, 59_000)), driver.output(SensorAlerts.LATE,
                Serdes.string(), Serdes.json(Reading.class)).readValues());
        }
    }
}
