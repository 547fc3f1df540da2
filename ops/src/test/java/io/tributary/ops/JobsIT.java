package io.tributary.ops;

import com.example.jobs.CountingPipeline;
import io.tributary.jobs.JobStore;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TopicPartition;
import io.tributary.log.internal.AeronSettings;
import io.tributary.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    private static TestCluster cluster;
    private static Path dir;
    private static Path jar;
    private final List<Process> workers = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws IOException
    {
        cluster = TestCluster.start(1);
        dir = Files.createTempDirectory("jobs-it");
        jar = buildJar(dir.resolve("example-jobs.jar"));
    }

    @AfterAll
    static void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
        if (dir != null)
        {
            TestCluster.deleteRecursively(dir);
        }
    }

    @AfterEach
    void stopWorkers() throws Exception
    {
        try (JobStore store = JobStore.connect(cluster.members()))
        {
            for (final String job : store.jobs().keySet())
            {
                store.delete(job);   // so that one test's jobs do not take the next test's worker slots
            }
        }
        for (final Process worker : workers)
        {
            worker.destroy();
            if (!worker.waitFor(60, TimeUnit.SECONDS))
            {
                worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            deleteClientDirsOf(worker.pid());
        }
        workers.clear();
    }

    @Test
    @Order(2)
    void aPipelineJobSurvivesAKilledWorkerExactlyOnceAndItsNextVersionKeepsItsState() throws Exception
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            admin.createTopic(new NewTopic(INPUT, 4));
            admin.createTopic(new NewTopic(OUTPUT, 2));
        }
        final Process first = startWorker("worker-a");
        startWorker("worker-b");
        final Path job = dir.resolve("counting.yaml");
        Files.writeString(job, """
            name: counting
            kind: pipeline
            pipeline: { class: com.example.jobs.CountingPipeline }
            parallelism: 4
            config: { commit_interval: 50ms }
            """);
        final Cli deploy = cli("job", "deploy", job.toString(), "--jar", jar.toString());
        assertEquals(0, deploy.exit, deploy.err);
        assertTrue(deploy.out.contains("deployed counting version 1 (pipeline, parallelism 4, jar "), deploy.out);
        await("4 running tasks on two workers", () ->
        {
            final String status = cli("job", "status", "counting").out;
            return status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-a")).count() == 2 &&
                status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-b")).count() == 2;
        });

        long killedAt = 0;
        try (Producer<String, Long> producer = Producer.create(ProducerConfig.builder().cluster(cluster.members())
            .build(), Serializer.string(), Serializer.longs()))
        {
            for (long seq = 0; seq < RECORDS; seq++)
            {
                producer.send(ProducerRecord.of(INPUT, "k" + (seq % KEYS), seq));
                if (seq == RECORDS / 3)
                {
                    producer.flush();
                    await("output before the kill", () -> count(OUTPUT) > RECORDS / 10);
                    first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    killedAt = System.nanoTime();
                }
            }
            producer.flush();
            await("every result after the kill", () -> count(OUTPUT) >= RECORDS);
            final long resultsAt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            await("worker-b runs all 4 tasks", () -> cli("job", "status", "counting").out.lines()
                .filter(l -> l.contains("RUNNING") && l.contains("worker-b")).count() == 4);
            System.out.printf("jobs: all results %d ms after the SIGKILL; worker-b ran all 4 tasks by %d ms%n",
                resultsAt, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            final Cli list = cli("job", "list");
            assertTrue(list.out.lines().anyMatch(l -> l.matches("counting\\s+pipeline\\s+1\\s+RUNNING\\s+4/4")),
                list.out);
            Thread.sleep(1_000);
            final Map<String, List<String>> v1 = readAll(OUTPUT);
            assertExactlyOnce(v1, RECORDS);

            startWorker("worker-d");
            await("2 tasks moved to the new worker, 2 stayed", () ->
            {
                final String status = cli("job", "status", "counting").out;
                return status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-b")).count() == 2 &&
                    status.lines().filter(l -> l.contains("RUNNING") && l.contains("worker-d")).count() == 2;
            });

            final Path v2 = dir.resolve("counting-v2.yaml");
            Files.writeString(v2, Files.readString(job).replace("CountingPipeline", "CountingPipelineV2"));
            final Cli redeploy = cli("job", "deploy", v2.toString(), "--jar", jar.toString());
            assertEquals(0, redeploy.exit, redeploy.err);
            assertTrue(redeploy.out.contains("deployed counting version 2"), redeploy.out);
            await("version 2 running", () ->
            {
                final String status = cli("job", "status", "counting").out;
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
        await("a v2 result per key", () -> count(OUTPUT) >= RECORDS + KEYS);
        Thread.sleep(1_000);
        final Map<String, List<String>> all = readAll(OUTPUT);
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
        startWorker("worker-c");
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
        assertEquals(0, cli("job", "deploy", failing.toString()).exit);
        assertEquals(0, cli("job", "deploy", generator.toString()).exit);

        await("the failure reported and retried", () -> cli("job", "status", "failing").out.lines().anyMatch(l ->
            l.matches("0\\s+worker-c\\s+-\\s+FAILED\\s+-\\s+[2-9]\\d*\\s+java.lang.IllegalStateException: " +
                "reference table 'plants' is not configured")));
        await("the connector job's records", () -> count("jobs-generated") > 200);
        final Cli list = cli("job", "list");
        assertTrue(list.out.lines().anyMatch(l -> l.matches("failing\\s+pipeline\\s+1\\s+FAILING\\s+0/1")), list.out);
        assertTrue(list.out.lines().anyMatch(l -> l.matches("generator\\s+connector\\s+1\\s+RUNNING\\s+1/1")),
            list.out);

        assertEquals(0, cli("job", "stop", "generator").exit);
        await("the connector job stopped", () -> cli("job", "status", "generator").out.lines()
            .anyMatch(l -> l.matches("0\\s+worker-c\\s+-\\s+STOPPED.*")));
        final long stoppedAt = count("jobs-generated");
        Thread.sleep(2_000);
        assertEquals(stoppedAt, count("jobs-generated"), "a stopped connector job wrote on");

        assertEquals(0, cli("job", "delete", "failing").exit);
        assertEquals(0, cli("job", "delete", "generator").exit);
        final Cli empty = cli("job", "list");
        assertFalse(empty.out.contains("failing") || empty.out.contains("generator"), empty.out);
    }

    @Test
    @Order(1)
    void aBadJobFileIsRefusedAndNothingIsDeployed() throws Exception
    {
        final Cli none = cli("job", "list");   // before any worker ever joined
        assertEquals(0, none.exit, none.err);
        assertEquals("NAME                     KIND      VERSION STATE    TASKS\n", none.out);

        final Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
            name: bad
            kind: pipeline
            pipeline: { class: com.example.jobs.CountingPipeline, jar: nowhere.jar }
            paralelism: 2
            """);
        final Cli deploy = cli("job", "deploy", bad.toString());
        assertEquals(ConnectorCommand.INVALID, deploy.exit, deploy.out);
        assertEquals(bad + ":3:11: pipeline.jar: no such file: " + dir.resolve("nowhere.jar") + "\n" +
            bad + ":4:1: paralelism: unknown key (did you mean 'parallelism'?); a job takes name, kind, pipeline, " +
            "connector, parallelism, config, env\n", deploy.err);
        final Cli status = cli("job", "status", "bad");
        assertEquals(TributaryCli.FAILED, status.exit);
        assertEquals("error: no job named 'bad' (see 'tributary job list')\n", status.err);
        assertEquals(none.out, cli("job", "list").out);
    }

    private record Cli(int exit, String out, String err)
    {
    }

    private static Cli cli(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--cluster", cluster.members()));
        final int exit = TributaryCli.run(new CliContext(Map.of(), new ByteArrayInputStream(new byte[0]),
            new PrintWriter(out), new PrintWriter(err), false), all.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }

    private Process startWorker(final String id) throws IOException
    {
        // The workers' class path lacks the test classes: they load the example pipelines from the job's jar.
        final String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        final Path tmp = Files.createDirectories(dir.resolve("tmp-" + id));
        final Process worker = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx384m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp,
            "-cp", classPath, TributaryCli.class.getName(), "worker", "--id", id, "--slots", "4",
            "--session-timeout", "5s", "--cluster", cluster.members())
            .redirectErrorStream(true).redirectOutput(dir.resolve(id + ".log").toFile()).start();
        workers.add(worker);
        return worker;
    }

    private static Path buildJar(final Path target) throws IOException
    {
        final Path classes = Path.of(CountingPipeline.class.getProtectionDomain().getCodeSource().getLocation()
            .getPath());
        final Path pkg = classes.resolve("com/example/jobs");
        try (OutputStream file = Files.newOutputStream(target);
             JarOutputStream out = new JarOutputStream(file);
             Stream<Path> entries = Files.list(pkg))
        {
            for (final Path entry : entries.sorted().toList())
            {
                out.putNextEntry(new JarEntry(classes.relativize(entry).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(entry));
                out.closeEntry();
            }
        }
        return target;
    }

    private void await(final String what, final Supplier<Boolean> condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (!condition.get())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what + "\n" + cli("job", "list").out +
                    logs());
            }
            Thread.sleep(250);
        }
    }

    private static String logs()
    {
        final StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList())
            {
                final String text = Files.readString(log);
                sb.append("\n--- ").append(log.getFileName()).append(" (tail)\n")
                    .append(text.substring(Math.max(0, text.length() - 6_000)));
            }
        }
        catch (final IOException ex)
        {
            sb.append(ex);
        }
        return sb.toString();
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

    private static Map<String, List<String>> readAll(final String topic)
    {
        final Map<String, List<String>> byKey = new TreeMap<>();
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder().cluster(cluster.members())
            .build(), Deserializer.string(), Deserializer.string()))
        {
            consumer.assignAll(topic);
            consumer.seekToBeginning(consumer.assignment());
            final Map<TopicPartition, Long> ends = ends(topic);
            while (consumer.assignment().stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)))
            {
                for (final ConsumerRecord<String, String> r : consumer.poll(java.time.Duration.ofMillis(200)))
                {
                    byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                }
            }
        }
        return byKey;
    }

    private static long count(final String topic)
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            if (!admin.listTopics().contains(topic))
            {
                return 0;
            }
        }
        return ends(topic).values().stream().mapToLong(Long::longValue).sum();
    }

    private static Map<TopicPartition, Long> ends(final String topic)
    {
        try (Admin admin = Admin.create(cluster.members()))
        {
            final int partitions = admin.describeTopic(topic).partitions().size();
            final List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++)
            {
                all.add(new TopicPartition(topic, p));
            }
            return admin.endOffsets(all);
        }
    }

    private static void deleteClientDirsOf(final long pid) throws IOException
    {
        final Path base = Path.of(AeronSettings.aeronDirectoryBase());
        if (!Files.isDirectory(base))
        {
            return;
        }
        try (Stream<Path> dirs = Files.list(base))
        {
            final Set<Path> mine = dirs.filter(d -> d.getFileName().toString()
                .startsWith("tributary-client-" + pid + "-")).collect(Collectors.toSet());
            mine.forEach(TestCluster::deleteRecursively);
        }
    }
}
