package io.tributary.jobs;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job's name keys its records and names its jar on every worker: no name can leave a directory, whether it comes
 * through the job file or straight from a record someone wrote to {@code __jobs}.
 */
@Timeout(30)
class JobNameTest
{
    private static final List<String> HOSTILE = List.of("../x", "..", ".", "a/b", "a\\\\b", "/etc/passwd", "x\\u0000y",
        "tab\\there", "new\\nline", "x".repeat(201), "");

    private final JobSpecParser parser = new JobSpecParser(ConnectorTypes.load(), Map.of());

    @Test
    void theJobFileRefusesNamesThatCouldLeaveADirectory(@TempDir final Path dir)
    {
        for (final String name : HOSTILE)
        {
            final ConfigException ex = assertThrows(ConfigException.class, () -> parser.parse("job.yaml",
                "name: \"" + name + "\"\nkind: connector\nconnector: { file: gen.yaml }\n", dir), name);
            assertTrue(ex.getMessage().contains("name: expected 1 to 200 of a-z A-Z 0-9 . _ - (and not '.' or '..')"),
                ex.getMessage());
        }
    }

    @Test
    void aWorkerRefusesARecordWhoseNameOrChecksumCouldNameAFileElsewhere(@TempDir final Path workDir)
    {
        final String sha = "ab".repeat(32);
        final Path good = workDir.resolve(Worker.jarFileName(record("sensor-alerts", sha)));
        assertEquals(workDir, good.getParent());
        assertEquals("sensor-alerts-1-" + sha + ".jar", good.getFileName().toString());

        for (final String name : List.of("../../tmp/evil", "..", "a/b", "a\\b", "x\u0000y"))
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Worker.jarFileName(record(name, sha)), name);
            assertTrue(ex.getMessage().contains("cannot name a jar file"), ex.getMessage());
        }
        for (final String checksum : List.of("../../../tmp/evil", "AB".repeat(32), "ab", ""))
        {
            assertThrows(IllegalArgumentException.class, () -> Worker.jarFileName(record("job", checksum)), checksum);
        }
    }

    @Test
    void namesOfTheRuleAreAccepted()
    {
        for (final String name : List.of("a", "sensor-alerts", "v1.2_x", "..x", "x".repeat(200)))
        {
            assertTrue(JobSpecParser.isValidName(name), name);
        }
        for (final String name : HOSTILE)
        {
            assertTrue(!JobSpecParser.isValidName(name.replace("\\\\", "\\").replace("\\u0000", "\u0000")
                .replace("\\t", "\t").replace("\\n", "\n")), name);
        }
    }

    private static JobRecord record(final String name, final String sha256)
    {
        final JobSpec spec = new JobSpec(name, JobSpec.Kind.PIPELINE, "com.acme.P", null, null, null, 1, null, 0,
            Map.of());
        return new JobRecord(spec, 1, JobRecord.DesiredState.RUNNING, new JobRecord.Artifact(sha256, 10, 1), 0);
    }
}
