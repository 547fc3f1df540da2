package io.tributary.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary pipeline run} rejects what it cannot run before it touches a cluster.
 */
@Timeout(30)
class PipelineCommandTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        return TributaryCli.run(new CliContext(Map.of(), new ByteArrayInputStream(new byte[0]), new PrintWriter(out),
            new PrintWriter(err), false), args);
    }

    @Test
    void unknownClassIsAUsageError()
    {
        assertEquals(TributaryCli.USAGE, run("pipeline", "run", "--class", "com.acme.Missing"));
        assertTrue(err.toString().contains("--class com.acme.Missing not found on the class path"), err.toString());
    }

    @Test
    void classMustBeAPipelineDefinition()
    {
        assertEquals(TributaryCli.USAGE, run("pipeline", "run", "--class", "java.lang.String"));
        assertTrue(err.toString().contains("does not implement io.tributary.pipeline.PipelineDefinition"),
            err.toString());
    }

    @Test
    void badStartIsAUsageError()
    {
        assertEquals(TributaryCli.USAGE, run("pipeline", "run", "--class", "x.Y", "--from", "yesterday"));
        assertTrue(err.toString().contains("--from 'yesterday' is not an ISO-8601 time"), err.toString());
    }

    @Test
    void describePrintsTheTopologyWithoutACluster()
    {
        assertEquals(TributaryCli.OK, run("pipeline", "describe", "--class",
            "io.tributary.examples.pipelines.SensorAlerts"));
        final String text = out.toString();
        assertTrue(text.contains("Pipeline sensor-alerts"), text);
        assertTrue(text.contains("minute-sums -> sensor-alerts-minute-sums-changelog"), text);
        assertTrue(text.contains("Sources: sensor-readings"), text);
        assertTrue(text.contains("Repartition topics: sensor-alerts-by-sensor-repartition"), text);
    }

    @Test
    void missingJarIsAUsageError()
    {
        assertEquals(TributaryCli.USAGE, run("pipeline", "run", "--class", "x.Y", "--jar", "/nonexistent.jar"));
        assertTrue(err.toString().contains("--jar /nonexistent.jar is not a file"), err.toString());
    }
}
