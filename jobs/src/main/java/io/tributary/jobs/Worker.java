package io.tributary.jobs;

import io.tributary.connect.ConnectorTypes;
import io.tributary.log.Consumer;
import io.tributary.log.ConsumerConfig;
import io.tributary.log.Deserializer;
import io.tributary.log.GroupDescription;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Runs the tasks of jobs that the cluster assigns to it, until {@link #close()}.
 * <p>
 * A worker is a member of the consumer group {@value JobStore#WORKERS_GROUP}; the cluster's session timeout decides
 * which workers are live, so a killed worker drops out on cluster time like any group member. Each worker registers its
 * id, member id and slots in {@code __job_workers}, then every {@code interval} reads {@code __jobs}, the registered
 * workers, the group's live members and the previous assignment (the worker each task's status in
 * {@code __job_status} names), and computes with {@link TaskAssignor} which tasks are its own: every worker computes
 * the same from the same inputs, so no leader hands tasks out, and a worker joining or leaving moves only the tasks
 * that must move. It starts what became its own (fetching the
 * job's jar from {@code __job_artifacts} once per version), stops what is no longer its own or whose job has a newer
 * version, and reports each task's state, partitions, lag and restarts to {@code __job_status}.
 * <p>
 * Two workers may briefly disagree (one has seen a member leave, the other not yet): a task may then run twice or
 * not at all for a moment. That costs no correctness, because every writer is fenced by a group's ownership: a
 * pipeline task is a member of the pipeline's own consumer group, whose assignment and fenced checkpoints keep every
 * input partition processed exactly once whatever the number of runner instances; a connector task's source runs
 * only while it holds the source's lease ({@link io.tributary.connect.runtime.SourceLease}), so a second instance
 * waits (WAITING) and an instance that lost the lease (its worker paused past its session) has its appends refused
 * and stops; a sink's commits are fenced by its consumer group.
 * <p>
 * Threading: {@link #run()} owns the worker on the calling thread; {@link #close()} may be called from any thread.
 */
public final class Worker implements AutoCloseable
{
    private static final System.Logger LOGGER = System.getLogger(Worker.class.getName());
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(2);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Config config;
    private final Map<TaskAssignor.TaskId, JobTask> tasks = new TreeMap<>();
    private final Map<String, Path> jars = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile Map<TaskAssignor.TaskId, TaskStatus.State> view = Map.of();
    private final ConnectorTypes connectorTypes;
    private JobStore store;
    private Path workDir;

    /**
     * How a worker runs.
     *
     * @param cluster        the cluster's members list.
     * @param id             the worker's id, unique among workers (e.g. {@code host-pid}).
     * @param slots          most tasks it runs at once.
     * @param interval       how often it looks for changes of jobs and workers.
     * @param sessionTimeout how long the cluster waits for its heartbeat before its tasks move to other workers.
     * @param env            the environment for {@code ${NAME}} in connector files.
     * @param pluginPath     a directory whose jars hold more connector types ({@link ConnectorTypes#load(Path)}),
     *                       or null for the built-in ones only.
     */
    public record Config(String cluster, String id, int slots, Duration interval, Duration sessionTimeout,
        Map<String, String> env, Path pluginPath)
    {
        public Config
        {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(sessionTimeout, "sessionTimeout");
            env = env == null ? Map.of() : Map.copyOf(env);
            if (slots < 1)
            {
                throw new IllegalArgumentException("slots must be at least 1: " + slots);
            }
        }

        /**
         * @return defaults: id {@code host-pid}, 8 slots, a look every second, a 10 s session.
         */
        public static Config of(final String cluster)
        {
            return new Config(cluster, defaultId(), 8, Duration.ofSeconds(1), Duration.ofSeconds(10), Map.of(), null);
        }

        public Config withId(final String id)
        {
            return new Config(cluster, id, slots, interval, sessionTimeout, env, pluginPath);
        }

        public Config withSlots(final int slots)
        {
            return new Config(cluster, id, slots, interval, sessionTimeout, env, pluginPath);
        }

        public Config withSessionTimeout(final Duration sessionTimeout)
        {
            return new Config(cluster, id, slots, interval, sessionTimeout, env, pluginPath);
        }

        public Config withEnv(final Map<String, String> env)
        {
            return new Config(cluster, id, slots, interval, sessionTimeout, env, pluginPath);
        }

        public Config withPluginPath(final Path pluginPath)
        {
            return new Config(cluster, id, slots, interval, sessionTimeout, env, pluginPath);
        }

        static String defaultId()
        {
            String host;
            try
            {
                host = java.net.InetAddress.getLocalHost().getHostName();
            }
            catch (final IOException ex)
            {
                host = "worker";
            }
            return host + "-" + ProcessHandle.current().pid();
        }
    }

    private Worker(final Config config)
    {
        this.config = config;
        this.connectorTypes = ConnectorTypes.load(config.pluginPath());
    }

    public static Worker create(final Config config)
    {
        return new Worker(config);
    }

    public String id()
    {
        return config.id();
    }

    /**
     * @return the state of every task this worker runs now.
     */
    public Map<TaskAssignor.TaskId, TaskStatus.State> tasks()
    {
        return view;
    }

    /**
     * Join the workers, then run assigned tasks until {@link #close()}; stops every task before returning.
     */
    public void run()
    {
        try
        {
            workDir = Files.createTempDirectory("tributary-worker-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        store = JobStore.connect(config.cluster());
        final Consumer<byte[], byte[]> membership = Consumer.create(ConsumerConfig.builder()
            .cluster(config.cluster()).groupId(JobStore.WORKERS_GROUP).enableAutoCommit(false)
            .sessionTimeout(config.sessionTimeout()).build(), Deserializer.bytes(), Deserializer.bytes());
        try
        {
            membership.subscribe(List.of(JobStore.WORKERS));
            String registered = null;
            long nextStatus = 0;
            while (running)
            {
                try
                {
                    membership.poll(Duration.ZERO);
                    final String memberId = membership.memberId();
                    if (memberId != null && !memberId.equals(registered))
                    {
                        store.publish(new WorkerInfo(config.id(), memberId, config.slots(),
                            System.currentTimeMillis()));
                        registered = memberId;
                        LOGGER.log(System.Logger.Level.INFO, "worker " + config.id() + " registered as member " +
                            memberId + " with " + config.slots() + " slots");
                    }
                    final Map<String, JobRecord> jobs = store.jobs();
                    reconcile(jobs, liveWorkers(), previousAssignment(jobs));
                    if (System.currentTimeMillis() >= nextStatus)
                    {
                        publishStatus(jobs);
                        nextStatus = System.currentTimeMillis() + STATUS_INTERVAL.toMillis();
                    }
                }
                catch (final RuntimeException ex)
                {
                    // The cluster not answering in time, the group having expired this member (it rejoins on the
                    // next poll, under a new member id), or a record this version cannot read: try again next round.
                    LOGGER.log(System.Logger.Level.WARNING, "worker " + config.id() + ": " + ex);
                }
                sleep(config.interval().toMillis());
            }
        }
        finally
        {
            stopAll();
            try
            {
                membership.close();
            }
            finally
            {
                try
                {
                    store.unregister(config.id());
                }
                catch (final RuntimeException ex)
                {
                    LOGGER.log(System.Logger.Level.WARNING, "worker " + config.id() + ": unregistering: " + ex);
                }
                store.close();
                deleteRecursively(workDir);
            }
            LOGGER.log(System.Logger.Level.INFO, "worker " + config.id() + " stopped");
        }
    }

    /**
     * Ask {@link #run()} to stop the tasks and return. Thread-safe; does not wait.
     */
    public void close()
    {
        running = false;
    }

    private Map<String, Integer> liveWorkers()
    {
        final Set<String> live = store.liveMembers();
        final Map<String, Integer> workers = new TreeMap<>();
        for (final WorkerInfo worker : store.workers().values())
        {
            if (live.contains(worker.memberId()))
            {
                workers.put(worker.worker(), worker.slots());
            }
        }
        return workers;
    }

    /**
     * @return the worker each task of the jobs last ran on, as {@code __job_status} tells: the previous assignment,
     *         which every worker reads alike, so that a change of workers moves only what must move.
     */
    private Map<TaskAssignor.TaskId, String> previousAssignment(final Map<String, JobRecord> jobs)
    {
        final Map<TaskAssignor.TaskId, String> previous = new HashMap<>();
        for (final TaskStatus status : store.statuses().values())
        {
            final JobRecord job = jobs.get(status.job());
            if (job != null && status.task() < job.tasks())
            {
                previous.put(new TaskAssignor.TaskId(status.job(), status.task()), status.worker());
            }
        }
        return previous;
    }

    private void reconcile(final Map<String, JobRecord> jobs, final Map<String, Integer> workers,
        final Map<TaskAssignor.TaskId, String> previous)
    {
        final List<TaskAssignor.TaskId> wanted = new ArrayList<>();
        for (final JobRecord job : jobs.values())
        {
            if (job.desired() == JobRecord.DesiredState.RUNNING)
            {
                for (int i = 0; i < job.tasks(); i++)
                {
                    wanted.add(new TaskAssignor.TaskId(job.name(), i));
                }
            }
        }
        final Map<TaskAssignor.TaskId, String> assignment = TaskAssignor.assign(wanted, workers, previous);
        final Map<TaskAssignor.TaskId, JobRecord> mine = new LinkedHashMap<>();
        assignment.forEach((task, worker) ->
        {
            if (worker.equals(config.id()))
            {
                mine.put(task, jobs.get(task.job()));
            }
        });
        final List<JobTask> stopping = new ArrayList<>();
        tasks.entrySet().removeIf(entry ->
        {
            final JobRecord wantedVersion = mine.get(entry.getKey());
            if (wantedVersion != null && wantedVersion.version() == entry.getValue().record().version())
            {
                return false;
            }
            stopping.add(entry.getValue());
            return true;
        });
        stop(stopping, jobs);
        for (final Map.Entry<TaskAssignor.TaskId, JobRecord> entry : mine.entrySet())
        {
            if (!tasks.containsKey(entry.getKey()))
            {
                final JobRecord record = entry.getValue();
                LOGGER.log(System.Logger.Level.INFO, "worker " + config.id() + " starts " + entry.getKey() +
                    " version " + record.version());
                final JobTask task = new JobTask(record, entry.getKey().index(), config.cluster(),
                    record.artifact() == null ? null : () -> jar(record), connectorTypes, config.env(),
                    config.sessionTimeout())
                    .start();
                tasks.put(entry.getKey(), task);
                store.publish(status(task));
            }
        }
        final Map<TaskAssignor.TaskId, TaskStatus.State> states = new TreeMap<>();
        tasks.forEach((id, task) -> states.put(id, task.state()));
        view = Map.copyOf(states);
    }

    private void stop(final List<JobTask> stopping, final Map<String, JobRecord> jobs)
    {
        if (stopping.isEmpty())
        {
            return;
        }
        final List<Thread> stoppers = new ArrayList<>();
        for (final JobTask task : stopping)
        {
            LOGGER.log(System.Logger.Level.INFO, "worker " + config.id() + " stops " + task.record().name() + "/" +
                task.index() + " version " + task.record().version());
            final Thread stopper = new Thread(() -> task.stop(STOP_TIMEOUT), "stop-" + task.record().name());
            stopper.start();
            stoppers.add(stopper);
        }
        for (final Thread stopper : stoppers)
        {
            try
            {
                stopper.join(STOP_TIMEOUT.toMillis() + 10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        for (final JobTask task : stopping)
        {
            final JobRecord job = jobs.get(task.record().name());
            if (job != null && job.desired() == JobRecord.DesiredState.STOPPED)
            {
                store.publish(status(task));
            }
        }
    }

    private void stopAll()
    {
        final List<JobTask> all = new ArrayList<>(tasks.values());
        tasks.clear();
        try
        {
            stop(all, Map.of());
        }
        catch (final RuntimeException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "worker " + config.id() + ": stopping tasks: " + ex);
        }
    }

    private void publishStatus(final Map<String, JobRecord> jobs)
    {
        final Map<String, List<GroupDescription.PartitionLag>> groups = new HashMap<>();
        for (final JobTask task : tasks.values())
        {
            if (!jobs.containsKey(task.record().name()))
            {
                continue;
            }
            final TaskStatus status = status(task);
            List<Integer> partitions = status.partitions();
            long lag = -1;
            if (task.group() != null && !partitions.isEmpty())
            {
                final Set<Integer> mine = Set.copyOf(partitions);
                lag = groups.computeIfAbsent(task.group(), this::describe).stream()
                    .filter(p -> mine.contains(p.partition())).mapToLong(Worker::lag).sum();
            }
            else if (!task.sinkMembers().isEmpty() && status.state() == TaskStatus.State.RUNNING)
            {
                // A connector task's sinks: the partitions its members hold in their groups, and their lag.
                lag = 0;
                final Set<Integer> held = new TreeSet<>();
                for (final Map.Entry<String, String> sink : task.sinkMembers().entrySet())
                {
                    for (final GroupDescription.PartitionLag p : groups.computeIfAbsent(sink.getKey(), this::describe))
                    {
                        if (sink.getValue().equals(p.member()))
                        {
                            held.add(p.partition());
                            lag += lag(p);
                        }
                    }
                }
                partitions = List.copyOf(held);
            }
            store.publish(new TaskStatus(status.job(), status.task(), status.version(), status.worker(),
                status.state(), partitions, lag, status.restarts(), status.error(), status.updatedAt()));
        }
    }

    private List<GroupDescription.PartitionLag> describe(final String group)
    {
        return store.admin().describeGroup(group).partitions();
    }

    private static long lag(final GroupDescription.PartitionLag partition)
    {
        return partition.lag() >= 0 ? partition.lag() : partition.endOffset();
    }

    private TaskStatus status(final JobTask task)
    {
        return new TaskStatus(task.record().name(), task.index(), task.record().version(), config.id(), task.state(),
            task.partitions().stream().sorted(Comparator.naturalOrder()).toList(), -1, task.restarts(), task.error(),
            System.currentTimeMillis());
    }

    /**
     * @return the job version's jar on this machine, fetched from the cluster on first use. Called on task threads.
     */
    private Path jar(final JobRecord record)
    {
        final String key = jarFileName(record);
        return jars.computeIfAbsent(key, k ->
        {
            try (JobStore reader = JobStore.connect(config.cluster()))
            {
                final byte[] bytes = reader.fetchArtifact(record);
                final Path file = workDir.resolve(k);
                Files.write(file, bytes);
                return file;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        });
    }

    /**
     * The job's record is read from the cluster, where anyone who can produce to {@code __jobs} can write one: its
     * name and checksum name a file here only when they cannot leave the work directory.
     *
     * @return the file name of the job version's jar in the work directory.
     * @throws IllegalArgumentException when the record's name or checksum could name a path elsewhere.
     */
    static String jarFileName(final JobRecord record)
    {
        final String sha256 = record.artifact().sha256();
        if (!JobSpecParser.isValidName(record.name()) || sha256 == null || !sha256.matches("[0-9a-f]{64}"))
        {
            throw new IllegalArgumentException("job record '" + record.name() + "' with jar checksum '" + sha256 +
                "' cannot name a jar file: " + JobSpecParser.NAME_RULE + ", and a hex SHA-256");
        }
        return record.name() + "-" + record.version() + "-" + sha256 + ".jar";
    }

    private void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static void deleteRecursively(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "cannot delete " + dir + ": " + ex);
        }
    }
}
