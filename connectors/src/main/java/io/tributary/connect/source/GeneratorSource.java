package io.tributary.connect.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.connect.ConnectorContext;
import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceConnectorType;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.support.Json;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Synthetic sensor readings at a set rate, for demos and benchmarks. Reading {@code seq} is a pure function of
 * {@code seed} and {@code seq}, and the position is the next {@code seq}, so a restart continues exactly where the
 * last append ended. Not thread-safe: used by the runner thread.
 */
public final class GeneratorSource implements SourceConnector
{
    /** The {@code generator} type. */
    public static final class Type implements SourceConnectorType
    {
        private static final ComponentSpec SPEC = ComponentSpec.of("generator",
            "Synthetic sensor readings (JSON: sensor, seq, temperature, humidity, ts) at a set rate; key: sensor.",
            FieldSpec.optional("rate", FieldType.DOUBLE, 100.0, "readings per second; 0 is as fast as possible",
                "1000"),
            FieldSpec.optional("sensors", FieldType.INT, 10, "distinct sensors", "50"),
            FieldSpec.optional("count", FieldType.LONG, 0L, "readings in all, then stop producing; 0 is no limit",
                "100000"),
            FieldSpec.optional("seed", FieldType.LONG, 42L, "seed of the values", "7"));

        public ComponentSpec spec()
        {
            return SPEC;
        }

        public SourceConnector create(final Settings s)
        {
            final Config config = new Config(s.number("rate"), s.integer("sensors"), s.longValue("count"),
                s.longValue("seed"));
            if (config.rate < 0 || config.sensors < 1 || config.count < 0)
            {
                throw new IllegalArgumentException("rate and count must be >= 0 and sensors >= 1");
            }
            return new GeneratorSource(config);
        }
    }

    /**
     * @param rate    readings per second, 0 for unlimited.
     * @param sensors distinct sensors.
     * @param count   readings in all, 0 for no limit.
     * @param seed    seed of the values.
     */
    public record Config(double rate, int sensors, long count, long seed)
    {
    }

    private final Config config;
    private long next;
    private long startNs;
    private long startSeq;

    GeneratorSource(final Config config)
    {
        this.config = config;
    }

    public void start(final ConnectorContext context, final String position)
    {
        next = position == null ? 0 : Long.parseLong(position);
        startSeq = next;
        startNs = System.nanoTime();
    }

    public List<SourceRecord> poll(final int maxRecords, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long allowed = maxRecords;
        if (config.count > 0)
        {
            allowed = Math.min(allowed, config.count - next);
        }
        if (allowed <= 0)
        {
            Thread.sleep(timeout.toMillis());
            return List.of();
        }
        if (config.rate > 0)
        {
            long due;
            while ((due = (long)((System.nanoTime() - startNs) / 1e9 * config.rate) + startSeq - next) <= 0)
            {
                final long wait = Math.min(deadline - System.nanoTime(), (long)(1e9 / config.rate));
                if (wait <= 0)
                {
                    return List.of();
                }
                Thread.sleep(Math.max(1, wait / 1_000_000));
            }
            allowed = Math.min(allowed, due);
        }
        final List<SourceRecord> records = new ArrayList<>((int)allowed);
        for (int i = 0; i < allowed; i++)
        {
            final long seq = next++;
            final String sensor = "sensor-" + Math.floorMod(mix(seq) , config.sensors);
            records.add(SourceRecord.of(sensor.getBytes(StandardCharsets.UTF_8), reading(seq, sensor),
                Map.of("generator.sensor", sensor, "generator.seq", Long.toString(seq)), Long.toString(next), null));
        }
        return records;
    }

    public void close()
    {
    }

    private byte[] reading(final long seq, final String sensor)
    {
        final long h = mix(seq ^ config.seed);
        final ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("sensor", sensor);
        node.put("seq", seq);
        node.put("temperature", Math.round((15 + Math.floorMod(h, 1500) / 100.0) * 100) / 100.0);
        node.put("humidity", Math.round((30 + Math.floorMod(h >>> 16, 5000) / 100.0) * 100) / 100.0);
        node.put("ts", System.currentTimeMillis());
        return Json.bytes(node);
    }

    private long mix(final long x)
    {
        long z = x + config.seed * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
