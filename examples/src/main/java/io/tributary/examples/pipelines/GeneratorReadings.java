package io.tributary.examples.pipelines;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Topology;

/**
 * Turns the {@code generator} source's synthetic readings ({@value #INPUT}) into {@link SensorAlerts.Reading}s on
 * {@value SensorAlerts#READINGS}, for the jobs demo. The generator's temperatures stay between 15 and 30 °C, so this
 * pipeline plays a plant with two faults: {@value #HOT} runs 45 °C hot (warnings) and {@value #OVERHEATING} 60 °C
 * (critical alerts).
 */
public final class GeneratorReadings implements PipelineDefinition
{
    public static final String INPUT = "generator-readings";
    public static final String HOT = "sensor-3";
    public static final String OVERHEATING = "sensor-7";

    /**
     * A reading as the generator source writes it.
     *
     * @param sensor      sensor id.
     * @param seq         its sequence number.
     * @param temperature °C.
     * @param humidity    %.
     * @param ts          when it was generated, epoch ms.
     */
    public record GeneratedReading(String sensor, long seq, double temperature, double humidity, long ts)
    {
    }

    public Topology topology()
    {
        final Pipeline p = Pipeline.create("generator-readings");
        p.stream(INPUT, Consumed.with(Serdes.string(), Serdes.json(GeneratedReading.class)))
            .mapValues(g -> new SensorAlerts.Reading(g.sensor(), g.temperature() + fault(g.sensor()), g.ts()))
            .to(SensorAlerts.READINGS, Produced.with(Serdes.string(), Serdes.json(SensorAlerts.Reading.class)));
        return p.build();
    }

    static double fault(final String sensor)
    {
        return switch (sensor)
        {
            case HOT -> 45;
            case OVERHEATING -> 60;
            default -> 0;
        };
    }
}
