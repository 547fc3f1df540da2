package io.tributary.ops;

import io.tributary.connect.ConnectorTypes;
import io.tributary.jobs.JobRecord;
import io.tributary.jobs.JobSpec;
import io.tributary.jobs.JobSpecParser;
import io.tributary.jobs.JobStore;
import io.tributary.jobs.Worker;
import io.tributary.log.Admin;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.Deserializer;
import io.tributary.log.NewTopic;
import io.tributary.log.internal.FileTrees;
import io.tributary.log.internal.cluster.ClusterMembers;
import io.tributary.log.internal.cluster.TributaryNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * {@code tributary demo --jobs}: an embedded node with its embedded worker; the example jobs (the generator source,
 * the pipeline that turns its readings into sensor readings, and the sensor alerts pipeline) deployed from their
 * YAML files as a user would; then alerts printed as they arrive.
 */
final class JobsDemo
{
    private static final List<String> JOB_FILES = List.of("sensor-generator.yaml",
        "sensor-generator.connector.yaml", "generator-readings.yaml", "sensor-alerts.yaml");
    private static final List<String> DEPLOYED = List.of("sensor-generator.yaml", "generator-readings.yaml",
        "sensor-alerts.yaml");
    private static final int ALERTS = 4;

    private JobsDemo()
    {
    }

    static void run(final CliContext ctx, final String members, final Duration maxWait) throws Exception
    {
        final PrintWriter out = ctx.out();
        final Path dataDir = Files.createTempDirectory("tributary-jobs-demo-");
        final Path jobsDir = Files.createTempDirectory("tributary-jobs-demo-files-");
        say(out, "starting an embedded node " + members + " with a job worker, data in " + dataDir);
        try (TributaryNode node = TributaryNode.launch(new TributaryNode.Context()
            .members(ClusterMembers.parse(members))
            .dataDir(dataDir)))
        {
            final Worker worker = Worker.create(Worker.Config.of(members).withId("demo-worker").withEnv(ctx.env()));
            final Thread workerThread = new Thread(worker::run, "job-worker");
            workerThread.setDaemon(true);
            workerThread.start();
            try
            {
                try (Admin admin = Admin.create(members))
                {
                    for (final String topic : List.of("generator-readings", "sensor-readings", "sensor-averages",
                        "sensor-readings-late", "alerts-warning", "alerts-critical"))
                    {
                        admin.createTopic(new NewTopic(topic, 2));
                    }
                }
                deploy(ctx, members, jobsDir);
                await(ctx, members, Duration.ofSeconds(60));
                TributaryCli.run(ctx, "job", "list", "--cluster", members);
                say(out, "sensor-3 runs hot and sensor-7 overheats; alerts come once a one-minute window closes "
                    + "(event time, 10 s out-of-orderness), so the first take a minute or two:");
                printAlerts(out, members, maxWait);
                TributaryCli.run(ctx, "job", "status", "sensor-alerts", "--cluster", members);
            }
            finally
            {
                say(out, "stopping the worker and the node");
                worker.close();
                workerThread.join(60_000);
            }
        }
        finally
        {
            FileTrees.deleteRecursively(dataDir);
            FileTrees.deleteRecursively(jobsDir);
        }
        say(out, "done");
    }

    private static void deploy(final CliContext ctx, final String members, final Path jobsDir) throws IOException
    {
        for (final String file : JOB_FILES)
        {
            try (InputStream in = Objects.requireNonNull(JobsDemo.class.getResourceAsStream(
                "/io/tributary/examples/jobs/" + file), file))
            {
                Files.copy(in, jobsDir.resolve(file));
            }
        }
        final JobSpecParser parser = new JobSpecParser(ConnectorTypes.load(), ctx.env());
        try (JobStore store = JobStore.connect(members))
        {
            for (final String file : DEPLOYED)
            {
                final JobSpec spec = parser.parse(jobsDir.resolve(file));
                final JobRecord record = store.deploy(spec, null);
                say(ctx.out(), "tributary job deploy examples/jobs/" + file + "  ->  deployed " + spec.name() +
                    " version " + record.version() + " (" + spec.kind().key() + ", parallelism " +
                    spec.parallelism() + ")");
            }
        }
    }

    private static void await(final CliContext ctx, final String members, final Duration timeout)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        try (JobStore store = JobStore.connect(members))
        {
            while (System.nanoTime() < deadline)
            {
                final long running = store.statuses().values().stream()
                    .filter(t -> t.state() == io.tributary.jobs.TaskStatus.State.RUNNING).count();
                if (running >= 5)
                {
                    return;
                }
                Thread.sleep(250);
            }
        }
        say(ctx.out(), "(not every task is running yet)");
    }

    private static void printAlerts(final PrintWriter out, final String members, final Duration maxWait)
    {
        int alerts = 0;
        try (Consumer<String, String> consumer = Consumer.create(ConsumerConfig.builder().cluster(members)
            .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build(), Deserializer.string(),
            Deserializer.string()))
        {
            consumer.assignAll("alerts-warning");
            consumer.assignAll("alerts-critical");
            consumer.seekToBeginning(consumer.assignment());
            final long deadline = System.nanoTime() + maxWait.toNanos();
            while (alerts < ALERTS && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500)))
                {
                    say(out, "  " + record.topic() + "  " + record.key() + "  " + record.value());
                    alerts++;
                }
            }
        }
        if (alerts == 0)
        {
            say(out, "no alert within " + maxWait.toSeconds() + " s (a slow machine?)");
        }
    }

    private static void say(final PrintWriter out, final String line)
    {
        out.println(line);
        out.flush();
    }
}
