package io.tributary.ops;

import com.example.jobs.CountingPipeline;
import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary pipeline run --class ... --jar ... --from offset:N --state-dir DIR}, in a JVM of its own whose
 * class path lacks the test classes (the pipeline comes from the jar), against a one-node cluster: it outputs the
 * input from offset N on, carries on live, checkpoints and exits 0 on SIGTERM, and started again resumes from its
 * checkpoint with its RocksDB state restored: every result exactly once, counts unbroken.
 */
@Timeout(300)
class PipelineRunIT
{
    private static final int PARTITIONS = 2;
    private static final int FROM = 5;
    private static final int KEYS = 4;

    private JobWorkers fixture;
    private final List<Process> runs = new ArrayList<>();

    @BeforeEach
    void start() throws IOException
    {
        fixture = JobWorkers.start("pipeline-run-it");
    }

    @AfterEach
    void stop() throws Exception
    {
        try
        {
            for (final Process run : runs)
            {
                run.destroy();
                if (!run.waitFor(30, TimeUnit.SECONDS))
                {
                    run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                TestCluster.deleteClientDirsOf(run.pid());
            }
        }
        finally
        {
            fixture.close();
        }
    }

    @Test
    void runsFromAnOffsetStopsOnSigtermAndResumesWithoutDuplicates() throws Exception
    {
        try (Admin admin = Admin.create(fixture.members()))
        {
            admin.createTopic(new NewTopic(CountingPipeline.INPUT, PARTITIONS));
            admin.createTopic(new NewTopic(CountingPipeline.OUTPUT, PARTITIONS));
        }
        final Path jar = fixture.buildJar("pipelines.jar");
        try (Producer<String, Long> producer = Producer.create(ProducerConfig.builder().cluster(fixture.members())
            .build(), Serializer.string(), Serializer.longs()))
        {
            produce(producer, 0, 20);
            final Process first = run(jar, "first");
            fixture.await("the backfill from offset " + FROM, () -> alive(first, "first")
                && fixture.count(CountingPipeline.OUTPUT) >= expected(20).size());
            produce(producer, 20, 30);
            fixture.await("live records", () -> alive(first, "first")
                && fixture.count(CountingPipeline.OUTPUT) >= expected(30).size());
            sigterm(first, "first");

            produce(producer, 30, 40);
            final Process second = run(jar, "second");
            fixture.await("the records produced while stopped", () -> alive(second, "second")
                && fixture.count(CountingPipeline.OUTPUT) >= expected(40).size());
            produce(producer, 40, 50);
            fixture.await("live records after the restart", () -> alive(second, "second")
                && fixture.count(CountingPipeline.OUTPUT) >= expected(50).size());
            sigterm(second, "second");
        }

        // Per key, counts 1, 2, 3 ... in order (state restored, nothing counted twice); every sequence number from
        // offset FROM on exactly once, none from before it.
        final List<Long> sequences = new ArrayList<>();
        for (final Map.Entry<String, List<String>> key : fixture.readAll(CountingPipeline.OUTPUT).entrySet())
        {
            long count = 1;
            for (final String value : key.getValue())
            {
                final String[] parts = value.split(":");
                assertEquals(count++, Long.parseLong(parts[0]), "count of " + key.getKey() + " in " + key.getValue());
                sequences.add(Long.parseLong(parts[1]));
            }
        }
        sequences.sort(null);
        assertEquals(expected(50), sequences);
    }

    /**
     * Write offsets {@code from..to-1} of each partition: key {@code k<offset mod KEYS>}, value the sequence number
     * {@code partition * 1000 + offset}.
     */
    private static void produce(final Producer<String, Long> producer, final int from, final int to)
    {
        for (int p = 0; p < PARTITIONS; p++)
        {
            for (int offset = from; offset < to; offset++)
            {
                producer.send(ProducerRecord.of(CountingPipeline.INPUT, p, "k" + (offset % KEYS), p * 1000L + offset));
            }
        }
        producer.flush();
    }

    /**
     * @return the sequence numbers of offsets {@code FROM..end-1} of each partition, sorted.
     */
    private static List<Long> expected(final int end)
    {
        final TreeSet<Long> sequences = new TreeSet<>();
        for (int p = 0; p < PARTITIONS; p++)
        {
            for (int offset = FROM; offset < end; offset++)
            {
                sequences.add(p * 1000L + offset);
            }
        }
        return new ArrayList<>(sequences);
    }

    private Process run(final Path jar, final String id) throws IOException
    {
        final String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        final Path tmp = Files.createDirectories(fixture.dir().resolve("tmp-" + id));
        final Process run = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx256m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp,
            "-cp", classPath, TributaryCli.class.getName(), "pipeline", "run",
            "--class", CountingPipeline.class.getName(), "--jar", jar.toString(),
            "--from", "offset:" + FROM, "--state-dir", fixture.dir().resolve("state").toString(),
            "--commit-interval", "50ms", "--cluster", fixture.members())
            .redirectErrorStream(true).redirectOutput(fixture.dir().resolve(id + ".log").toFile()).start();
        runs.add(run);
        return run;
    }

    private boolean alive(final Process run, final String id)
    {
        if (!run.isAlive())
        {
            throw new AssertionError("pipeline run " + id + " exited with " + run.exitValue() + fixture.logs());
        }
        return true;
    }

    private void sigterm(final Process run, final String id) throws Exception
    {
        run.destroy();
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "pipeline run " + id + " did not stop on SIGTERM"
            + fixture.logs());
        final String log = fixture.log(id);
        // 0 only when the runner returned normally: its last checkpoint, if one was pending, was committed.
        assertEquals(0, run.exitValue(), log);
        assertTrue(log.contains("pipeline " + CountingPipeline.NAME + " stopped after"), log);
        TestCluster.deleteClientDirsOf(run.pid());
    }
}
