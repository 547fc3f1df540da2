package io.tributary.ops;

import com.example.jobs.CountingPipeline;
import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs end to end, through the CLI: workers in JVMs of their own ({@code tributary worker}) run what
 * {@code tributary job deploy} stored, loading the pipeline from the job's jar (the workers' class path does not have
 * it). A worker is SIGKILLed while a pipeline job with parallelism 4 runs on two: the other takes its tasks and the
 * output holds every result exactly once; a worker that joins then takes two of the four; version 2 of the pipeline, with the same operator names, carries on from
 * the state of version 1. A job whose class fails at start is reported failed with its exception and retried, while a
 * connector job on the same worker runs on. A bad job file is refused with its errors and nothing is deployed.
 */
@Tag("fault")
@Timeout(420)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobsIT
{
    private static final int RECORDS = 6_000;
    private static final int KEYS = 50;
    private static final String INPUT = CountingPipeline.INPUT;
    private static final String OUTPUT = CountingPipeline.OUTPUT;

    private static JobWorkers jobs;
    private static Path dir;
    private static Path jar;

    @BeforeAll
    static void startCluster() throws IOException
    {
        jobs = JobWorkers.start("jobs-it");
        dir = jobs.dir();
        jar = jobs.buildJar("example-jobs.jar");
    }

    @AfterAll
    static void stopCluster() throws Exception
    {
        if (jobs != null)
        {
            jobs.close();
        }
    }

    @AfterEach
    void stopWorkers() throws Exception
    {
        jobs.stopWorkers();
    }

    @Test
    @Order(2)
    void aPipelineJobSurvivesAKilledWorkerExactlyOnceAndItsNextVersionKeepsItsState() throws Exception
    {
        try (Admin admin = Admin.create(jobs.members()))
        {
            admin.createTopic(new NewTopic(INPUT, 4));
            admin.createTopic(new NewTopic(OUTPUT, 2));
        }
        final Process first = jobs.startWorker("worker-a");
        jobs.startWorker("worker-b");
        final Path job = dir.resolve("counting.yaml");
        Files.writeString(job, """
            name: counting
            kind: pipeline
            pipeline: { class: com.example.jobs.CountingPipeline }
            parallelism: 4
            config: { commit_interval: 50ms }
            """);
        final JobWorkers.Cli deploy = jobs.cli("job", "deploy", job.toString(), "--jar", jar.toString());
        assertEquals(0, deploy.exit(), deploy.err());
        assertTrue(deploy.out().contains("deployed counting version 1 (pipeline, parallelism 4, jar "), deploy.out());
        jobs.await("4 running tasks on two workers", () ->
        {
            final String status = jobs.cli("job", "status", "counting").out();
            return status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-a")).count() == 2 &&
                status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-b")).count() == 2;
        });

        long killedAt = 0;
        try (Producer<String, Long> producer = Producer.create(ProducerConfig.builder().cluster(jobs.members())
            .build(), Serializer.string(), Serializer.longs()))
        {
            for (long seq = 0; seq < RECORDS; seq++)
            {
                producer.send(ProducerRecord.of(INPUT, "k" + (seq % KEYS), seq));
                if (seq == RECORDS / 3)
                {
                    producer.flush();
                    jobs.await("output before the kill", () -> jobs.count(OUTPUT) > RECORDS / 10);
                    first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    killedAt = System.nanoTime();
                }
            }
            producer.flush();
            jobs.await("every result after the kill", () -> jobs.count(OUTPUT) >= RECORDS);
            final long resultsAt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            jobs.await("worker-b runs all 4 tasks", () -> jobs.cli("job", "status", "counting").out().lines()
                .filter(l -> l.contains("RUNNING") && l.contains("worker-b")).count() == 4);
            System.out.printf("jobs: all results %d ms after the SIGKILL; worker-b ran all 4 tasks by %d ms%n",
                resultsAt, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            final JobWorkers.Cli list = jobs.cli("job", "list");
            assertTrue(list.out().lines().anyMatch(l -> l.matches("counting\\s+pipeline\\s+1\\s+RUNNING\\s+4/4")),
                list.out());
            Thread.sleep(1_000);
            final Map<String, List<String>> v1 = jobs.readAll(OUTPUT);
            assertExactlyOnce(v1, RECORDS);

            jobs.startWorker("worker-d");
            jobs.await("2 tasks moved to the new worker, 2 stayed", () ->
            {
                final String status = jobs.cli("job", "status", "counting").out();
                return status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-b")).count() == 2 &&
                    status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-d")).count() == 2;
            });

            final Path v2 = dir.resolve("counting-v2.yaml");
            Files.writeString(v2, Files.readString(job).replace("CountingPipeline", "CountingPipelineV2"));
            final JobWorkers.Cli redeploy = jobs.cli("job", "deploy", v2.toString(), "--jar", jar.toString());
            assertEquals(0, redeploy.exit(), redeploy.err());
            assertTrue(redeploy.out().contains("deployed counting version 2"), redeploy.out());
            jobs.await("version 2 running", () ->
            {
                final String status = jobs.cli("job", "status", "counting").out();
                return status.startsWith("job counting pipeline version 2 RUNNING parallelism 4 class " +
                    "com.example.jobs.CountingPipelineV2") &&
                    status.lines().filter(l -> l.matches("\\d+\\s+worker-[bd]\\s+.*RUNNING.*")).count() == 4;
            });
            for (long seq = RECORDS; seq < RECORDS + KEYS; seq++)
            {
                producer.send(ProducerRecord.of(INPUT, "k" + (seq % KEYS), seq));
            }
            producer.flush();
        }
        jobs.await("a v2 result per key", () -> jobs.count(OUTPUT) >= RECORDS + KEYS);
        Thread.sleep(1_000);
        final Map<String, List<String>> all = jobs.readAll(OUTPUT);
        assertEquals(RECORDS + KEYS, all.values().stream().mapToInt(List::size).sum(), "results after v2");
        for (final Map.Entry<String, List<String>> key : all.entrySet())
        {
            final String last = key.getValue().get(key.getValue().size() - 1);
            assertTrue(last.startsWith("v2:" + (RECORDS / KEYS + 1) + ":"), key.getKey() + ": version 2 did not " +
                "carry on the count of version 1: " + last);
        }
    }

    @Test
    @Order(3)
    void aFailingJobIsReportedAndRetriedWhileAConnectorJobRunsOn() throws Exception
    {
        jobs.startWorker("worker-c");
        final Path failing = dir.resolve("failing.yaml");
        Files.writeString(failing, """
            name: failing
            kind: pipeline
            pipeline: { class: com.example.jobs.FailingPipeline, jar: example-jobs.jar }
            """);
        Files.writeString(dir.resolve("generator.yaml"), """
            name: generated
            source:
              generator: { rate: 200, sensors: 5 }
            to: { topic: jobs-generated, key: "${generator.sensor}" }
            """);
        final Path generator = dir.resolve("generator-job.yaml");
        Files.writeString(generator, """
            name: generator
            kind: connector
            connector: { file: generator.yaml }
            """);
        assertEquals(0, jobs.cli("job", "deploy", failing.toString()).exit());
        assertEquals(0, jobs.cli("job", "deploy", generator.toString()).exit());

        jobs.await("the failure reported and retried", () -> jobs.cli("job", "status", "failing").out().lines()
            .anyMatch(l -> l.matches("0\\s+worker-c\\s+-\\s+FAILED\\s+-\\s+[2-9]\\d*\\s+" +
                "java.lang.IllegalStateException: reference table 'plants' is not configured")));
        jobs.await("the connector job's records", () -> jobs.count("jobs-generated") > 200);
        final JobWorkers.Cli list = jobs.cli("job", "list");
        assertTrue(list.out().lines().anyMatch(l -> l.matches("failing\\s+pipeline\\s+1\\s+FAILING\\s+0/1")),
            list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.matches("generator\\s+connector\\s+1\\s+RUNNING\\s+1/1")),
            list.out());

        assertEquals(0, jobs.cli("job", "stop", "generator").exit());
        jobs.await("the connector job stopped", () -> jobs.cli("job", "status", "generator").out().lines()
            .anyMatch(l -> l.matches("0\\s+worker-c\\s+-\\s+STOPPED.*")));
        final long stoppedAt = jobs.count("jobs-generated");
        Thread.sleep(2_000);
        assertEquals(stoppedAt, jobs.count("jobs-generated"), "a stopped connector job wrote on");

        assertEquals(0, jobs.cli("job", "delete", "failing").exit());
        assertEquals(0, jobs.cli("job", "delete", "generator").exit());
        final JobWorkers.Cli empty = jobs.cli("job", "list");
        assertFalse(empty.out().contains("failing") || empty.out().contains("generator"), empty.out());
    }

    @Test
    @Order(1)
    void aBadJobFileIsRefusedAndNothingIsDeployed() throws Exception
    {
        final JobWorkers.Cli none = jobs.cli("job", "list");   // before any worker ever joined
        assertEquals(0, none.exit(), none.err());
        assertEquals("NAME                     KIND      VERSION STATE    TASKS\n", none.out());

        final Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
            name: bad
            kind: pipeline
            pipeline: { class: com.example.jobs.CountingPipeline, jar: nowhere.jar }
            paralelism: 2
            """);
        final JobWorkers.Cli deploy = jobs.cli("job", "deploy", bad.toString());
        assertEquals(ConnectorCommand.INVALID, deploy.exit(), deploy.out());
        assertEquals(bad + ":3:11: pipeline.jar: no such file: " + dir.resolve("nowhere.jar") + "\n" +
            bad + ":4:1: paralelism: unknown key (did you mean 'parallelism'?); a job takes name, kind, pipeline, " +
            "connector, parallelism, config, env\n", deploy.err());
        final JobWorkers.Cli status = jobs.cli("job", "status", "bad");
        assertEquals(TributaryCli.FAILED, status.exit());
        assertEquals("error: no job named 'bad' (see 'tributary job list')\n", status.err());
        assertEquals(none.out(), jobs.cli("job", "list").out());
    }

    private static void assertExactlyOnce(final Map<String, List<String>> byKey, final int records)
    {
        final Map<Long, Integer> seen = new HashMap<>();
        for (final Map.Entry<String, List<String>> key : byKey.entrySet())
        {
            long expectedCount = 1;
            for (final String value : key.getValue())
            {
                final String[] parts = value.split(":");
                assertEquals(expectedCount++, Long.parseLong(parts[0]), "count of " + key.getKey()
                    + " (state lost or result duplicated) in " + key.getValue());
                seen.merge(Long.parseLong(parts[1]), 1, Integer::sum);
            }
        }
        assertEquals(0, seen.values().stream().filter(n -> n > 1).count(), "sequence numbers written more than once");
        assertEquals(records, seen.size(), "results");
    }
}
