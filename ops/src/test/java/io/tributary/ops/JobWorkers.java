package io.tributary.ops;

import com.example.jobs.CountingPipeline;
import io.tributary.jobs.JobStore;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.TopicPartition;
import io.tributary.testing.TestCluster;

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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the jobs tests share: a one-node cluster, a temporary directory, workers in JVMs of their own
 * ({@code tributary worker}, logging to {@code <id>.log} there), the CLI run in process, and readers of topics.
 * Close it to stop everything it started, on failure too.
 */
final class JobWorkers implements AutoCloseable
{
    private final TestCluster cluster;
    private final Path dir;
    private final List<Process> workers = new ArrayList<>();

    record Cli(int exit, String out, String err)
    {
    }

    private JobWorkers(final TestCluster cluster, final Path dir)
    {
        this.cluster = cluster;
        this.dir = dir;
    }

    static JobWorkers start(final String name) throws IOException
    {
        final TestCluster cluster = TestCluster.start(1);
        try
        {
            return new JobWorkers(cluster, Files.createTempDirectory(name));
        }
        catch (final IOException | RuntimeException ex)
        {
            cluster.close();
            throw ex;
        }
    }

    String members()
    {
        return cluster.members();
    }

    Path dir()
    {
        return dir;
    }

    Cli cli(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--cluster", cluster.members()));
        final int exit = TributaryCli.run(new CliContext(Map.of(), new ByteArrayInputStream(new byte[0]),
            new PrintWriter(out), new PrintWriter(err), false), all.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }

    /**
     * Start {@code tributary worker --id ID --slots 4 --session-timeout 5s [EXTRA...]}, whose class path lacks the
     * test classes: it loads the example pipelines from the job's jar, and third-party types from a plugin path.
     */
    Process startWorker(final String id, final String... extra) throws IOException
    {
        final String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        final Path tmp = Files.createDirectories(dir.resolve("tmp-" + id));
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "-Xmx384m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp,
            "-cp", classPath, TributaryCli.class.getName(), "worker", "--id", id, "--slots", "4",
            "--session-timeout", "5s", "--cluster", cluster.members()));
        command.addAll(Arrays.asList(extra));
        final Process worker = new ProcessBuilder(command)
            .redirectErrorStream(true).redirectOutput(dir.resolve(id + ".log").toFile()).start();
        workers.add(worker);
        return worker;
    }

    /**
     * Send a worker a signal ({@code -STOP}, {@code -CONT}).
     */
    static void signal(final Process worker, final String signal) throws IOException, InterruptedException
    {
        final int exit = new ProcessBuilder("kill", signal, Long.toString(worker.pid())).start().waitFor();
        if (exit != 0)
        {
            throw new IllegalStateException("kill " + signal + " " + worker.pid() + " exited " + exit);
        }
    }

    /**
     * @return a worker's log so far.
     */
    String log(final String id) throws IOException
    {
        return Files.readString(dir.resolve(id + ".log"));
    }

    /**
     * A jar of the example pipelines (package {@code com.example.jobs} of the test classes).
     */
    Path buildJar(final String name) throws IOException
    {
        final Path target = dir.resolve(name);
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

    void await(final String what, final Supplier<Boolean> condition) throws InterruptedException
    {
        await(what, 150, condition);
    }

    /**
     * Wait up to {@code seconds} for the condition; else fail with the job list and the workers' logs.
     */
    void await(final String what, final int seconds, final Supplier<Boolean> condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
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

    /**
     * @return the tail of every worker's log, for a failure message.
     */
    String logs()
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

    /**
     * @return every record of the topic now, values by key, in offset order per key.
     */
    Map<String, List<String>> readAll(final String topic)
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

    long count(final String topic)
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

    Map<TopicPartition, Long> ends(final String topic)
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

    /**
     * Delete every job (so that one test's jobs do not take the next test's worker slots), then stop every worker.
     */
    void stopWorkers() throws Exception
    {
        try
        {
            try (JobStore store = JobStore.connect(cluster.members()))
            {
                for (final String job : store.jobs().keySet())
                {
                    store.delete(job);
                }
            }
        }
        finally
        {
            for (final Process worker : workers)
            {
                if (worker.isAlive())
                {
                    try
                    {
                        signal(worker, "-CONT");   // a paused worker cannot stop
                    }
                    catch (final IllegalStateException exited)
                    {
                        // it was gone already
                    }
                }
                worker.destroy();
                if (!worker.waitFor(60, TimeUnit.SECONDS))
                {
                    worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                TestCluster.deleteClientDirsOf(worker.pid());
            }
            workers.clear();
        }
    }

    public void close() throws Exception
    {
        try
        {
            stopWorkers();
        }
        finally
        {
            cluster.close();
            TestCluster.deleteRecursively(dir);
        }
    }
}
