package io.tributary.jobs;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConfigError;
import io.tributary.connect.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobSpecParserTest
{
    private final JobSpecParser parser = new JobSpecParser(ConnectorTypes.load(), Map.of("SECRET", "s3"));

    @Test
    void readsAPipelineJob(@TempDir final Path dir) throws IOException
    {
        jar(dir.resolve("app.jar"), NoopPipeline.class);
        final JobSpec spec = parser.parse("job.yaml", """
            name: sensor-alerts
            kind: pipeline
            pipeline: { class: io.tributary.jobs.NoopPipeline, jar: app.jar }
            parallelism: 4
            config: { from: end, commit_interval: 250ms }
            env: { TOKEN: "${SECRET}" }
            """, dir);
        assertEquals("sensor-alerts", spec.name());
        assertEquals(JobSpec.Kind.PIPELINE, spec.kind());
        assertEquals(NoopPipeline.class.getName(), spec.pipelineClass());
        assertEquals(dir.resolve("app.jar").toString(), spec.jar());
        assertEquals(4, spec.parallelism());
        assertEquals("end", spec.from());
        assertEquals(250, spec.commitIntervalMs());
        assertEquals(Map.of("TOKEN", "s3"), spec.env());
    }

    @Test
    void defaultsAPipelineJob()
    {
        final JobSpec spec = parser.parse("job.yaml",
            "name: a\nkind: pipeline\npipeline: { class: io.tributary.jobs.NoopPipeline }\n", null);
        assertEquals(1, spec.parallelism());
        assertEquals("beginning", spec.from());
        assertEquals(100, spec.commitIntervalMs());
        assertNull(spec.jar());
    }

    @Test
    void reportsEveryMistakeWithItsPlace()
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("job.yaml", """
            name: bad job
            kind: pipeline
            pipeline: { clas: com.acme.A }
            paralelism: 2
            config: { from: yesterday }
            """, null));
        final List<String> errors = ex.errors().stream().map(ConfigError::toString).toList();
        assertEquals(List.of(
            "job.yaml:1:7: name: expected 1 to 200 of a-z A-Z 0-9 . _ - (and not '.' or '..'), got 'bad job'",
            "job.yaml:3:11: pipeline.class: missing required field (string: class implementing " +
                "io.tributary.pipeline.PipelineDefinition, with a public no-argument constructor)",
            "job.yaml:3:13: pipeline.clas: unknown key (did you mean 'class'?); pipeline takes class, jar",
            "job.yaml:4:1: paralelism: unknown key (did you mean 'parallelism'?); a job takes name, kind, pipeline, " +
                "connector, parallelism, config, env",
            "job.yaml:5:9: config.from: expected beginning, end, offset:N or an ISO-8601 time, got 'yesterday'"),
            errors);
    }

    @Test
    void refusesAWrongKindAndAMissingJar(@TempDir final Path dir)
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("job.yaml", """
            name: a
            kind: pipline
            """, dir));
        assertEquals("job.yaml:2:7: kind: expected pipeline or connector, got 'pipline' (did you mean 'pipeline'?)",
            ex.errors().get(0).toString());
        final ConfigException jar = assertThrows(ConfigException.class, () -> parser.parse("job.yaml", """
            name: a
            kind: pipeline
            pipeline: { class: com.acme.A, jar: missing.jar }
            parallelism: 0
            """, dir));
        assertTrue(jar.getMessage().contains("pipeline.jar: no such file: " + dir.resolve("missing.jar")),
            jar.getMessage());
        assertTrue(jar.getMessage().contains("parallelism: must be between 1 and 1024, got 0"), jar.getMessage());
    }

    @Test
    void checksThePipelineClassWithoutRunningIt(@TempDir final Path dir) throws IOException
    {
        jar(dir.resolve("other.jar"), JobSpecParserTest.class);
        assertEquals(List.of("job.yaml:3:20: pipeline.class: com.acme.Missing is not in " + dir.resolve("other.jar")),
            errors("pipeline: { class: com.acme.Missing, jar: other.jar }", dir));
        assertEquals(List.of("job.yaml:3:20: pipeline.class: com.acme.Missing is not on the workers' class path; " +
            "give pipeline.jar or job deploy --jar"), errors("pipeline: { class: com.acme.Missing }", dir));
        assertEquals(List.of("job.yaml:3:20: pipeline.class: java.lang.String does not implement " +
            "io.tributary.pipeline.PipelineDefinition"), errors("pipeline: { class: java.lang.String }", dir));
        final JobSpec overridden = parser.parse(dir.resolve("job.yaml").toString(),
            "name: a\nkind: pipeline\npipeline: { class: io.tributary.jobs.NoopPipeline, jar: gone.jar }\n", dir,
            dir.resolve("other.jar"));
        assertEquals(dir.resolve("other.jar").toString(), overridden.jar());
    }

    private List<String> errors(final String pipeline, final Path dir)
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("job.yaml",
            "name: a\nkind: pipeline\n" + pipeline + "\n", dir));
        return ex.errors().stream().map(ConfigError::toString).toList();
    }

    private static void jar(final Path target, final Class<?> type) throws IOException
    {
        final String entry = type.getName().replace('.', '/') + ".class";
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(target));
             java.io.InputStream in = type.getClassLoader().getResourceAsStream(entry))
        {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    @Test
    void checksAConnectorJobsFile(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("gen.yaml"), """
            name: readings
            source:
              generator: { rate: 10 }
            to: { topic: sensor-readings }
            """);
        final JobSpec spec = parser.parse("job.yaml", "name: gen\nkind: connector\nconnector: { file: gen.yaml }\n",
            dir);
        assertEquals(JobSpec.Kind.CONNECTOR, spec.kind());
        assertEquals("gen.yaml", spec.connectorFile());
        assertTrue(spec.connectorYaml().contains("generator"));

        Files.writeString(dir.resolve("bad.yaml"), """
            name: readings
            source:
              generator: { rat: 10 }
            to: { topic: sensor-readings }
            """);
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("job.yaml",
            "name: gen\nkind: connector\nconnector: { file: bad.yaml }\n", dir));
        assertTrue(ex.getMessage().startsWith(dir.resolve("bad.yaml") + ":3:16: source.generator.rat: unknown key " +
            "(did you mean 'rate'?)"), ex.getMessage());
    }

    @Test
    void aConnectorJobsParallelismSharesItsSinksAndASourceRunsOnce(@TempDir final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("sink.yaml"), """
            name: to-files
            source:
              generator: { rate: 10 }
            to: { topic: readings }
            ---
            name: archive
            from: { topics: [readings], group: archive }
            sink:
              file: { path: /tmp/archive.jsonl }
            """);
        final JobSpec spec = parser.parse("job.yaml",
            "name: archive\nkind: connector\nconnector: { file: sink.yaml }\nparallelism: 3\n", dir);
        assertEquals(3, spec.parallelism());

        Files.writeString(dir.resolve("gen.yaml"), """
            name: readings
            source:
              generator: { rate: 10 }
            to: { topic: sensor-readings }
            """);
        final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("job.yaml",
            "name: gen\nkind: connector\nconnector: { file: gen.yaml }\nparallelism: 2\n", dir));
        assertEquals("job.yaml:4:14: parallelism: a connector job's parallelism is how many tasks share its sinks' " +
            "partitions, and gen.yaml has no sink (a source runs as one task), got 2", ex.getMessage().strip());
    }
}
