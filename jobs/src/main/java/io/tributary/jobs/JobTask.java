package io.tributary.jobs;

import io.tributary.connect.ConnectorContext;
import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.config.ConnectorConfig;
import io.tributary.connect.config.ConnectorFileParser;
import io.tributary.connect.runtime.ConnectorRunner;
import io.tributary.connect.spec.Secrets;
import io.tributary.log.Admin;
import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.PipelineRunner;
import io.tributary.pipeline.RunnerConfig;
import io.tributary.pipeline.StartAt;
import io.tributary.pipeline.Topology;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One task of a job on this worker: a pipeline runner instance (several instances of one pipeline share its input
 * partitions through the pipeline's consumer group) or a connector file's connectors, on a thread of its own with the
 * job's class loader. A connector's source runs only while it holds the source's lease, and the task is WAITING while
 * another instance holds it (see {@link io.tributary.connect.runtime.SourceLease}). When it fails (the class is
 * missing, its constructor or topology throws, the runner stops with an error) it is reported {@code FAILED} with the
 * exception and started again after a backoff that doubles from 1 s to 60 s, and resets once a run lasted a minute.
 * Nothing it throws reaches the worker or other tasks. A pipeline task whose index is not below its inputs' partition
 * count stays IDLE (tasks = min(parallelism, partitions)); so does a connector task with no sink partition and no
 * source to run (a connector job's sources run in task 0 only).
 * <p>
 * Threading: the task's own thread runs it; {@link #stop}, {@link #status} and {@link #partitions} may be called from
 * any thread.
 */
final class JobTask
{
    private static final System.Logger LOGGER = System.getLogger(JobTask.class.getName());
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);
    private static final Duration IDLE_CHECK = Duration.ofSeconds(10);

    private final JobRecord record;
    private final int index;
    private final String cluster;
    private final Supplier<Path> jar;
    private final Map<String, String> env;
    private final Duration leaseSession;
    private final Object lock = new Object();
    private final ConnectorTypes types;
    private volatile boolean running = true;
    private volatile TaskStatus.State state = TaskStatus.State.STARTING;
    private volatile String error;
    /** What its status and logs must not show: the job's env values, then its connectors' secret settings. */
    private volatile Secrets secrets;
    private volatile int restarts;
    private volatile String group;
    private volatile PipelineRunner pipeline;
    private volatile List<ConnectorRunner> connectors = List.of();
    private Thread thread;

    /**
     * @param jar where the job's jar is on this machine, fetched on first use; null when the job has no jar.
     * @param types        the connector types the worker knows.
     * @param env          the worker's environment, for connector files.
     * @param leaseSession the session of a source's lease: how long after its worker stops heartbeating another
     *                     worker's instance of the task may take the source over.
     */
    JobTask(final JobRecord record, final int index, final String cluster, final Supplier<Path> jar,
        final ConnectorTypes types, final Map<String, String> env, final Duration leaseSession)
    {
        this.types = types;
        this.leaseSession = leaseSession;
        this.record = record;
        this.index = index;
        this.cluster = cluster;
        this.jar = jar;
        this.env = env;
        this.secrets = secretsOf(record.spec(), List.of());
    }

    JobTask start()
    {
        thread = new Thread(this::loop, "job-" + record.name() + "-" + index);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    JobRecord record()
    {
        return record;
    }

    int index()
    {
        return index;
    }

    TaskStatus.State state()
    {
        return state;
    }

    String error()
    {
        return error;
    }

    int restarts()
    {
        return restarts;
    }

    /**
     * @return the consumer group of the pipeline it runs, once started, else null.
     */
    String group()
    {
        return group;
    }

    /**
     * @return for each running sink of a connector job, its consumer group and its member id there.
     */
    Map<String, String> sinkMembers()
    {
        final Map<String, String> members = new HashMap<>();
        for (final ConnectorRunner connector : connectors)
        {
            final String member = connector.sinkMember();
            if (member != null)
            {
                members.put(connector.config().from().group(), member);
            }
        }
        return members;
    }

    Set<Integer> partitions()
    {
        final PipelineRunner runner = pipeline;
        return runner == null ? Set.of() : runner.partitions();
    }

    /**
     * Stop the task: a pipeline checkpoints, connectors deliver what they hold. Waits up to {@code timeout}.
     */
    void stop(final Duration timeout)
    {
        running = false;
        synchronized (lock)
        {
            lock.notifyAll();
        }
        final PipelineRunner runner = pipeline;
        if (runner != null)
        {
            runner.close();
        }
        for (final ConnectorRunner connector : connectors)
        {
            connector.stop(timeout);
        }
        try
        {
            thread.join(timeout.toMillis());
            if (thread.isAlive())
            {
                thread.interrupt();
                thread.join(5_000);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        state = TaskStatus.State.STOPPED;
    }

    private void loop()
    {
        int failures = 0;
        while (running)
        {
            state = TaskStatus.State.STARTING;
            final long started = System.nanoTime();
            try
            {
                if (record.spec().kind() == JobSpec.Kind.PIPELINE)
                {
                    runPipeline();
                }
                else
                {
                    runConnectors();
                }
                if (!running)
                {
                    return;
                }
                throw new IllegalStateException("stopped by itself");
            }
            catch (final Throwable ex)
            {
                if (!running)
                {
                    return;
                }
                if (ex instanceof VirtualMachineError && !(ex instanceof StackOverflowError))
                {
                    error = secrets.redact(describe(ex));
                    state = TaskStatus.State.FAILED;
                    throw (VirtualMachineError)ex;
                }
                if (System.nanoTime() - started > HEALTHY_RUN.toNanos())
                {
                    failures = 0;
                }
                failures++;
                error = secrets.redact(describe(ex));
                state = TaskStatus.State.FAILED;
                final long backoff = Math.min(MAX_BACKOFF.toMillis(),
                    FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16));
                LOGGER.log(System.Logger.Level.WARNING, "job " + record.name() + " task " + index + " failed, " +
                    "restarting in " + backoff + " ms: " + error);
                pause(backoff);
                if (running)
                {
                    restarts++;
                }
            }
            finally
            {
                pipeline = null;
                connectors = List.of();
            }
        }
    }

    private void runPipeline() throws Exception
    {
        final JobSpec spec = record.spec();
        final Path jarFile = jar == null ? null : jar.get();
        final ClassLoader parent = JobTask.class.getClassLoader();
        try (URLClassLoader loader = jarFile == null ? null :
            new JobClassLoader("job-" + record.name() + "-v" + record.version(), jarFile.toUri().toURL(), parent))
        {
            final ClassLoader classes = loader == null ? parent : loader;
            final Thread current = Thread.currentThread();
            final ClassLoader previous = current.getContextClassLoader();
            current.setContextClassLoader(classes);
            try
            {
                final Class<?> type = Class.forName(spec.pipelineClass(), true, classes);
                if (!PipelineDefinition.class.isAssignableFrom(type))
                {
                    throw new IllegalArgumentException(spec.pipelineClass() + " does not implement " +
                        PipelineDefinition.class.getName());
                }
                final Topology topology = ((PipelineDefinition)type.getConstructor().newInstance()).topology();
                group = topology.name();
                final PipelineRunner runner = PipelineRunner.create(topology, RunnerConfig.of(cluster)
                    .withStartAt(startAt(spec.from())).withCommitInterval(Duration.ofMillis(spec.commitIntervalMs())));
                if (!awaitPartition(topology))
                {
                    return;
                }
                pipeline = runner;
                if (!running)
                {
                    return;
                }
                state = TaskStatus.State.RUNNING;
                runner.run();
            }
            finally
            {
                current.setContextClassLoader(previous);
            }
        }
    }

    /**
     * A job's tasks are at most its inputs' partitions: a task beyond them stays IDLE, and starts if partitions are
     * added.
     *
     * @return false when the task was stopped while idle.
     */
    private boolean awaitPartition(final Topology topology)
    {
        try (Admin admin = Admin.create(cluster))
        {
            while (running)
            {
                int partitions = 0;
                for (final String topic : topology.sourceTopics())
                {
                    if (admin.listTopics().contains(topic))
                    {
                        partitions = Math.max(partitions, admin.describeTopic(topic).partitions().size());
                    }
                }
                // A missing source topic is the runner's error to report.
                if (partitions == 0 || index < partitions)
                {
                    return true;
                }
                state = TaskStatus.State.IDLE;
                pause(IDLE_CHECK.toMillis());
            }
        }
        return false;
    }

    private void runConnectors() throws Exception
    {
        final JobSpec spec = record.spec();
        final Map<String, String> variables = new HashMap<>(env);
        variables.putAll(spec.env());
        final List<ConnectorConfig> configs = mine(new ConnectorFileParser(types, variables)
            .parse(spec.connectorFile(), spec.connectorYaml()));
        if (configs != null)
        {
            secrets = secretsOf(spec, configs);
        }
        if (configs == null)
        {
            return;   // stopped while idle
        }
        final PrintWriter stdout = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        final List<ConnectorRunner> started = new ArrayList<>();
        try
        {
            for (final ConnectorConfig config : configs)
            {
                started.add(new ConnectorRunner(config, types, new ConnectorContext(config.name(), cluster, stdout))
                    .withLease(leaseSession).start());
            }
            connectors = List.copyOf(started);
            if (!running)
            {
                return;
            }
            while (running)
            {
                state = started.stream().anyMatch(ConnectorRunner::awaitingLease) ? TaskStatus.State.WAITING :
                    TaskStatus.State.RUNNING;
                for (final ConnectorRunner connector : started)
                {
                    try
                    {
                        connector.done().get(0, TimeUnit.MILLISECONDS);
                        if (running)
                        {
                            throw new IllegalStateException("connector " + connector.config().name() +
                                " stopped by itself");
                        }
                    }
                    catch (final TimeoutException stillRunning)
                    {
                        // as it should be
                    }
                    catch (final ExecutionException ex)
                    {
                        throw ex.getCause() instanceof Exception cause ? cause : ex;
                    }
                }
                pause(200);
            }
        }
        finally
        {
            for (final ConnectorRunner connector : started)
            {
                connector.stop(Duration.ofSeconds(30));
            }
        }
    }

    /**
     * A connector job's task runs every sink of the file whose input has a partition for it (its tasks share each
     * sink's consumer group, so tasks = min(parallelism, input partitions)), and task 0 also runs the sources, one
     * instance each. A task with nothing to run stays IDLE, and starts if partitions are added.
     *
     * @return the connectors this task runs, or null when it was stopped while idle.
     */
    private List<ConnectorConfig> mine(final List<ConnectorConfig> all)
    {
        try (Admin admin = Admin.create(cluster))
        {
            while (running)
            {
                final List<ConnectorConfig> mine = new ArrayList<>();
                final Set<String> topics = admin.listTopics();
                for (final ConnectorConfig config : all)
                {
                    if (config.kind() == ConnectorConfig.Kind.SOURCE)
                    {
                        if (index == 0)
                        {
                            mine.add(config);
                        }
                        continue;
                    }
                    int partitions = 0;
                    for (final String topic : config.from().topics())
                    {
                        if (topics.contains(topic))
                        {
                            partitions = Math.max(partitions, admin.describeTopic(topic).partitions().size());
                        }
                    }
                    // A missing input topic is the sink's error to report.
                    if (partitions == 0 || index < partitions)
                    {
                        mine.add(config);
                    }
                }
                if (!mine.isEmpty())
                {
                    return mine;
                }
                state = TaskStatus.State.IDLE;
                pause(IDLE_CHECK.toMillis());
            }
        }
        return null;
    }

    private void pause(final long millis)
    {
        synchronized (lock)
        {
            if (!running)
            {
                return;
            }
            try
            {
                lock.wait(millis);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    static StartAt startAt(final String from)
    {
        if (from == null || from.equals("beginning"))
        {
            return StartAt.beginning();
        }
        if (from.equals("end"))
        {
            return StartAt.end();
        }
        if (from.startsWith("offset:"))
        {
            return StartAt.offset(Long.parseLong(from.substring("offset:".length())));
        }
        return StartAt.time(Instant.parse(from));
    }

    /**
     * @return what a task's status and logs must not show: the job's env values (how jobs pass credentials to their
     * connector files) and its connectors' secret settings.
     */
    static Secrets secretsOf(final JobSpec spec, final List<ConnectorConfig> configs)
    {
        Secrets secrets = Secrets.none().with(spec.env().values());
        for (final ConnectorConfig config : configs)
        {
            secrets = secrets.with(Secrets.secretValues(config.settings()));
        }
        return secrets;
    }

    static String describe(final Throwable ex)
    {
        Throwable cause = ex;
        while ((cause instanceof java.lang.reflect.InvocationTargetException ||
            cause instanceof ExceptionInInitializerError) && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause.getClass().getName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
