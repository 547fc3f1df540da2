package io.tributary.ops;

import com.example.jobs.CountingPipeline;
import io.tributary.jobs.JobStore;
import io.tributary.jobs.TaskAssignor;
import io.tributary.jobs.TaskStatus;
import io.tributary.log.Admin;
import io.tributary.log.GroupDescription;
import io.tributary.log.NewTopic;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who runs a job's task, with workers in JVMs of their own. A source connector job writes every reading once while
 * the worker running it is paused past its session (SIGSTOP: another worker takes the source over, and the paused
 * one, resumed, is a zombie whose appends the cluster refuses) and then the new owner is SIGKILLed. A worker that
 * joins takes exactly its share of the tasks, from the most loaded workers, and no other task moves or restarts. A
 * sink connector job with parallelism 4 on a 3-partition topic runs 3 tasks sharing the sink's group, each shown with
 * its partition and lag, and one idle.
 */
@Tag("fault")
class JobOwnershipIT
{
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    private static JobWorkers jobs;
    private static Path jar;

    @BeforeAll
    static void startCluster() throws IOException
    {
        jobs = JobWorkers.start("job-ownership-it");
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
    @Timeout(120)
    void aSourceJobWritesEveryReadingOnceThroughAPausedAndAKilledWorker() throws Exception
    {
        final int readings = 8_000;
        final Map<String, Process> workers = new TreeMap<>();
        workers.put("worker-a", jobs.startWorker("worker-a"));
        workers.put("worker-b", jobs.startWorker("worker-b"));
        Files.writeString(jobs.dir().resolve("readings.yaml"), """
            name: readings
            source:
              generator: { rate: 400, sensors: 8, count: %d }
            to: { topic: owned-readings, partitions: 2, key: "${generator.sensor}" }
            batching: { count: 50, period: 20ms }
            """.formatted(readings));
        final Path job = jobs.dir().resolve("readings-job.yaml");
        Files.writeString(job, """
            name: readings
            kind: connector
            connector: { file: readings.yaml }
            """);
        final JobWorkers.Cli deploy = jobs.cli("job", "deploy", job.toString());
        assertEquals(0, deploy.exit(), deploy.err());
        jobs.await("the source running", () -> owner("readings") != null);
        jobs.await("readings before the pause", () -> jobs.count("owned-readings") > 400);

        final String paused = owner("readings");
        final String other = paused.equals("worker-a") ? "worker-b" : "worker-a";
        JobWorkers.signal(workers.get(paused), "-STOP");
        final long pausedAt = System.nanoTime();
        jobs.await(other + " takes the source over", 60, () -> other.equals(owner("readings")));
        final long tookOverAt = System.nanoTime();
        JobWorkers.signal(workers.get(paused), "-CONT");
        final long atTakeOver = jobs.count("owned-readings");
        jobs.await("readings from " + other, 60, () -> jobs.count("owned-readings") > atTakeOver + 800);
        // The resumed worker's instance still holds the batch it polled before the pause: its append is refused
        // (unless its worker stopped it before it tried, leaving nothing to refuse); either way it stops.
        jobs.await("the resumed worker stops its instance", 30, () ->
            log(paused).contains("worker " + paused + " stops readings/0"));
        final String zombie = log(paused);
        final boolean refused = zombie.contains("source lease __connector-lease.readings lost") ||
            zombie.contains("group '__connector-lease.readings'");

        workers.get(other).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        final long killedAt = System.nanoTime();
        jobs.await(paused + " takes the source back", 60, () -> paused.equals(owner("readings")));
        final long tookBackAt = System.nanoTime();
        jobs.await("every reading", 60, () -> jobs.count("owned-readings") >= readings);
        Thread.sleep(1_000);

        final Map<Long, Integer> seen = new HashMap<>();
        for (final List<String> values : jobs.readAll("owned-readings").values())
        {
            for (final String value : values)
            {
                final Matcher m = SEQ.matcher(value);
                assertTrue(m.find(), value);
                seen.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
            }
        }
        final List<Long> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
            .sorted().toList();
        assertEquals(List.of(), twice, "readings written more than once");
        assertEquals(readings, seen.size(), "readings");
        System.out.printf("job ownership: %s took the source over %d ms after %s was paused; the resumed %s's " +
            "append %s; %s took the source back %d ms after %s was killed; %d readings, none twice%n", other,
            TimeUnit.NANOSECONDS.toMillis(tookOverAt - pausedAt), paused, paused,
            refused ? "was refused" : "was not tried", paused, TimeUnit.NANOSECONDS.toMillis(tookBackAt - killedAt),
            other, seen.size());
    }

    @Test
    @Timeout(120)
    void aJoiningWorkerTakesExactlyItsShareAndNoOtherTaskMoves() throws Exception
    {
        try (Admin admin = Admin.create(jobs.members()))
        {
            admin.createTopic(new NewTopic(CountingPipeline.INPUT, 4));
            admin.createTopic(new NewTopic(CountingPipeline.OUTPUT, 2));
        }
        jobs.startWorker("worker-c");
        jobs.startWorker("worker-d");
        final Path counting = jobs.dir().resolve("counting.yaml");
        Files.writeString(counting, """
            name: counting
            kind: pipeline
            pipeline: { class: com.example.jobs.CountingPipeline }
            parallelism: 4
            """);
        final JobWorkers.Cli deploy = jobs.cli("job", "deploy", counting.toString(), "--jar", jar.toString());
        assertEquals(0, deploy.exit(), deploy.err());
        for (final String name : List.of("gen-1", "gen-2"))
        {
            Files.writeString(jobs.dir().resolve(name + ".yaml"), """
                name: %s
                source:
                  generator: { rate: 5, sensors: 2 }
                to: { topic: %s-out }
                """.formatted(name, name));
            final Path job = jobs.dir().resolve(name + "-job.yaml");
            Files.writeString(job, """
                name: %s
                kind: connector
                connector: { file: %s.yaml }
                """.formatted(name, name));
            final JobWorkers.Cli deployed = jobs.cli("job", "deploy", job.toString());
            assertEquals(0, deployed.exit(), deployed.err());
        }
        jobs.await("3 tasks running on each worker", () ->
        {
            final Map<String, Integer> loads = loads(running());
            return loads.equals(Map.of("worker-c", 3, "worker-d", 3));
        });
        final Map<TaskAssignor.TaskId, String> before = running();

        jobs.startWorker("worker-e");
        final Map<TaskAssignor.TaskId, String> expected = TaskAssignor.assign(new ArrayList<>(before.keySet()),
            Map.of("worker-c", 4, "worker-d", 4, "worker-e", 4), before);
        assertEquals(Map.of("worker-c", 2, "worker-d", 2, "worker-e", 2), loads(expected));
        jobs.await("the expected tasks on each worker", () -> running().equals(expected));
        Thread.sleep(3_000);   // a few more rounds of every worker: nothing else moves
        assertEquals(expected, running());

        int moved = 0;
        for (final Map.Entry<TaskAssignor.TaskId, String> task : before.entrySet())
        {
            final String starts = "worker " + task.getValue() + " starts " + task.getKey() + " version";
            assertEquals(1, occurrences(log(task.getValue()), starts), "starts of " + task.getKey() + " on " +
                task.getValue());
            final boolean stayed = task.getValue().equals(expected.get(task.getKey()));
            assertEquals(stayed ? 0 : 1, occurrences(log(task.getValue()), "worker " + task.getValue() + " stops " +
                task.getKey() + " version"), "stops of " + task.getKey() + " on " + task.getValue());
            moved += stayed ? 0 : 1;
        }
        assertEquals(2, moved);
        System.out.printf("job ownership: worker-e joined; moved %s%n", expected.entrySet().stream()
            .filter(e -> !e.getValue().equals(before.get(e.getKey()))).map(e -> e.getKey() + " " +
                before.get(e.getKey()) + " -> " + e.getValue()).toList());
    }

    @Test
    @Timeout(120)
    void aSinkJobsTasksShareItsInputPartitions() throws Exception
    {
        final int records = 3_000;
        try (Admin admin = Admin.create(jobs.members()))
        {
            admin.createTopic(new NewTopic("copy-in", 3));
            admin.createTopic(new NewTopic("copy-out", 1));
        }
        jobs.startWorker("worker-f");
        jobs.startWorker("worker-g");
        Files.writeString(jobs.dir().resolve("copy.yaml"), """
            name: copy
            from: { topics: [copy-in], group: copy }
            sink:
              topic: { topic: copy-out }
            """);
        final Path job = jobs.dir().resolve("copy-job.yaml");
        Files.writeString(job, """
            name: copy
            kind: connector
            connector: { file: copy.yaml }
            parallelism: 4
            """);
        final JobWorkers.Cli deploy = jobs.cli("job", "deploy", job.toString());
        assertEquals(0, deploy.exit(), deploy.err());
        jobs.await("3 tasks running and one idle (3 partitions)", 60, () ->
        {
            final String status = jobs.cli("job", "status", "copy").out();
            return status.lines().filter(l -> l.matches("\\d+\\s+worker-[fg]\\s+.*RUNNING.*")).count() == 3 &&
                status.lines().anyMatch(l -> l.matches("3\\s+worker-[fg]\\s+.*IDLE.*"));
        });
        try (Producer<String, String> producer = Producer.create(ProducerConfig.builder().cluster(jobs.members())
            .build(), Serializer.string(), Serializer.string()))
        {
            for (int i = 0; i < records; i++)
            {
                producer.send(ProducerRecord.of("copy-in", "k" + (i % 30), "v" + i));
            }
            producer.flush();
        }
        jobs.await("every record copied", 60, () -> jobs.count("copy-out") >= records);
        // A task moved to the worker that registered last leaves the group as it stops, or, if its stop is cut
        // short, its membership expires after the 10 s session: the group settles to the three running tasks.
        final GroupDescription[] described = new GroupDescription[1];
        jobs.await("the group down to the three running tasks", 30, () ->
        {
            try (Admin admin = Admin.create(jobs.members()))
            {
                described[0] = admin.describeGroup("copy");
            }
            return described[0].members().size() == 3;
        });
        final GroupDescription group = described[0];
        assertEquals(3, group.partitions().stream().map(GroupDescription.PartitionLag::member).distinct().count(),
            "each task holds one partition: " + group);
        jobs.await("job status: each running task with its partition, caught up", 30, () ->
        {
            final Pattern line = Pattern.compile("\\d+\\s+worker-[fg]\\s+(\\d)\\s+RUNNING\\s+0\\s+0\\s*");
            final List<String> partitions = jobs.cli("job", "status", "copy").out().lines().map(line::matcher)
                .filter(Matcher::matches).map(m -> m.group(1)).sorted().toList();
            return partitions.equals(List.of("0", "1", "2"));
        });
        Thread.sleep(1_000);
        assertEquals(records, jobs.count("copy-out"));
    }

    /**
     * @return the worker on which task 0 of the job is RUNNING at its current version, or null.
     */
    private static String owner(final String job)
    {
        return running().get(new TaskAssignor.TaskId(job, 0));
    }

    /**
     * @return every task reported RUNNING, with its worker, as {@code job status} shows it.
     */
    private static Map<TaskAssignor.TaskId, String> running()
    {
        final Map<TaskAssignor.TaskId, String> running = new TreeMap<>();
        try (JobStore store = JobStore.connect(jobs.members()))
        {
            final Map<String, io.tributary.jobs.JobRecord> all = store.jobs();
            for (final TaskStatus status : store.statuses().values())
            {
                final io.tributary.jobs.JobRecord job = all.get(status.job());
                if (job != null && status.version() == job.version() && status.state() == TaskStatus.State.RUNNING)
                {
                    running.put(new TaskAssignor.TaskId(status.job(), status.task()), status.worker());
                }
            }
        }
        return running;
    }

    private static Map<String, Integer> loads(final Map<TaskAssignor.TaskId, String> assignment)
    {
        final Map<String, Integer> loads = new TreeMap<>();
        assignment.values().forEach(w -> loads.merge(w, 1, Integer::sum));
        return loads;
    }

    private static String log(final String worker)
    {
        try
        {
            return jobs.log(worker);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static int occurrences(final String text, final String part)
    {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1))
        {
            count++;
        }
        return count;
    }
}
