package io.tributary.ops;

import io.tributary.connect.ConnectorTypes;
import io.tributary.jobs.JobSpec;
import io.tributary.jobs.JobSpecParser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every example job file in {@code examples/jobs} deploys as written (its classes are on the CLI's class path, its
 * connector files beside it); {@code *.connector.yaml} are the connector files they name.
 */
class ExampleJobsTest
{
    private static final Path EXAMPLES = Path.of("..", "examples", "jobs");

    @Test
    void everyExampleJobIsValid() throws IOException
    {
        final List<Path> files;
        try (Stream<Path> all = Files.list(EXAMPLES))
        {
            files = all.filter(f -> f.toString().endsWith(".yaml") && !f.toString().endsWith(".connector.yaml"))
                .sorted().toList();
        }
        final JobSpecParser parser = new JobSpecParser(ConnectorTypes.load(), Map.of());
        final List<String> jobs = files.stream().map(parser::parse).map(JobSpec::name).toList();
        assertEquals(List.of("generator-readings", "sensor-alerts", "sensor-generator"), jobs);
    }
}
