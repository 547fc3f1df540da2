package io.tributary.ops;

import io.tributary.connect.config.ConfigException;
import io.tributary.jobs.JobRecord;
import io.tributary.jobs.JobSpec;
import io.tributary.jobs.JobSpecParser;
import io.tributary.jobs.JobStore;
import io.tributary.jobs.TaskStatus;
import io.tributary.jobs.WorkerInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code tributary job ...}: deploy pipelines and connector files as jobs that workers run, and watch them.
 */
@Command(name = "job", description = "Deploy pipelines and connectors as jobs that workers run, restart and spread.",
    subcommands = {
        JobCommand.Deploy.class,
        JobCommand.ListJobs.class,
        JobCommand.Status.class,
        JobCommand.Stop.class,
        JobCommand.Start.class,
        JobCommand.Delete.class
    })
final class JobCommand extends CommandGroup
{
    @Command(name = "deploy", description = {
        "Check a job file and store it (with its jar) in the cluster as the job's next version; workers start it.",
        "A file with errors is refused (file:line:column: key.path: message, exit 3) and nothing is deployed." })
    static final class Deploy implements Callable<Integer>
    {
        private final CliContext ctx;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "JOB.yaml", description = "the job file")
        Path file;

        @Option(names = "--jar", paramLabel = "JAR", description = "the pipeline's jar (overrides pipeline.jar)")
        Path jar;

        @Mixin
        PluginPathOption plugins;

        Deploy(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call() throws IOException
        {
            final JobSpec job;
            try
            {
                job = new JobSpecParser(plugins.types(), ctx.env()).parse(file, jar);
            }
            catch (final ConfigException ex)
            {
                ex.errors().forEach(ctx.err()::println);
                return ConnectorCommand.INVALID;
            }
            if (jar != null && job.kind() != JobSpec.Kind.PIPELINE)
            {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--jar applies to pipeline jobs; " + job.name() + " is a connector job");
            }
            final byte[] bytes = job.jar() == null ? null : Files.readAllBytes(Path.of(job.jar()));
            try (JobStore store = JobStore.connect(cluster.cluster(), cluster.credentials(ctx)))
            {
                final JobRecord record = store.deploy(job, bytes);
                ctx.out().println("deployed " + job.name() + " version " + record.version() + " (" +
                    job.kind().key() + ", parallelism " + job.parallelism() +
                    (bytes == null ? "" : ", jar " + bytes.length + " bytes") + ")");
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "list", description = {
        "One line per job: name, kind, version, state, tasks running/desired.",
        "A pipeline job desires min(parallelism, input partitions) tasks; the others are IDLE.",
        "State: RUNNING, STOPPED, or FAILING when a task of the current version has failed." })
    static final class ListJobs implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        ListJobs(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (JobStore store = JobStore.connect(cluster.cluster(), cluster.credentials(ctx)))
            {
                final Map<String, JobRecord> jobs = store.jobs();
                final Map<String, TaskStatus> statuses = store.statuses();
                final Set<String> live = liveWorkers(store);
                ctx.out().printf("%-24s %-9s %7s %-8s %s%n", "NAME", "KIND", "VERSION", "STATE", "TASKS");
                for (final JobRecord job : jobs.values())
                {
                    final List<TaskStatus> tasks = current(job, statuses);
                    final long running = tasks.stream().filter(t -> t.state() == TaskStatus.State.RUNNING &&
                        live.contains(t.worker())).count();
                    final long idle = tasks.stream().filter(t -> t.state() == TaskStatus.State.IDLE &&
                        live.contains(t.worker())).count();
                    final boolean failing = tasks.stream().anyMatch(t -> t.state() == TaskStatus.State.FAILED &&
                        live.contains(t.worker()));
                    final String state = job.desired() == JobRecord.DesiredState.STOPPED ? "STOPPED" :
                        failing ? "FAILING" : "RUNNING";
                    ctx.out().printf("%-24s %-9s %7d %-8s %d/%d%n", job.name(), job.spec().kind().key(),
                        job.version(), state, running,
                        job.desired() == JobRecord.DesiredState.RUNNING ? job.tasks() - idle : 0);
                }
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "status", description = {
        "A job's version and state, then per task: worker, partitions, state, lag, restarts and the last error.",
        "A task whose worker is gone shows LOST until another worker takes it; a connector task whose source's lease",
        "another instance holds shows WAITING (it takes over once that one stops or its session expires)." })
    static final class Status implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "NAME", description = "the job")
        String name;

        Status(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (JobStore store = JobStore.connect(cluster.cluster(), cluster.credentials(ctx)))
            {
                final JobRecord job = store.job(name).orElseThrow(() -> noSuchJob(name));
                final Map<String, TaskStatus> statuses = store.statuses();
                final Set<String> live = liveWorkers(store);
                ctx.out().println("job " + job.name() + " " + job.spec().kind().key() + " version " + job.version() +
                    " " + job.desired() + " parallelism " + job.tasks() +
                    (job.spec().pipelineClass() == null ? "" : " class " + job.spec().pipelineClass()) +
                    (job.spec().connectorFile() == null ? "" : " file " + job.spec().connectorFile()));
                ctx.out().printf("%-4s %-28s %-12s %-8s %8s %8s  %s%n", "TASK", "WORKER", "PARTITIONS", "STATE",
                    "LAG", "RESTARTS", "ERROR");
                for (int task = 0; task < job.tasks(); task++)
                {
                    final TaskStatus status = statuses.get(TaskStatus.key(job.name(), task));
                    if (status == null)
                    {
                        ctx.out().printf("%-4d %-28s %-12s %-8s %8s %8s%n", task, "-", "-",
                            job.desired() == JobRecord.DesiredState.STOPPED ? "STOPPED" : "PENDING", "-", "-");
                        continue;
                    }
                    final String state = status.state() != TaskStatus.State.STOPPED && !live.contains(status.worker()) ?
                        "LOST" : status.version() != job.version() ? "PENDING" : status.state().name();
                    final String partitions = status.partitions().isEmpty() ? "-" :
                        status.partitions().stream().map(String::valueOf).collect(Collectors.joining(","));
                    ctx.out().printf("%-4d %-28s %-12s %-8s %8s %8d  %s%n", task, status.worker(), partitions, state,
                        status.lag() < 0 ? "-" : Long.toString(status.lag()), status.restarts(),
                        status.error() == null ? "" : status.error());
                }
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "stop", description = "Stop a job's tasks (pipelines checkpoint first); its definition stays.")
    static final class Stop implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "NAME", description = "the job")
        String name;

        Stop(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (JobStore store = JobStore.connect(cluster.cluster(), cluster.credentials(ctx)))
            {
                store.setDesired(name, JobRecord.DesiredState.STOPPED);
                ctx.out().println("stopping " + name);
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "start", description = "Run a stopped job again, from where it stopped.")
    static final class Start implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "NAME", description = "the job")
        String name;

        Start(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (JobStore store = JobStore.connect(cluster.cluster(), cluster.credentials(ctx)))
            {
                store.setDesired(name, JobRecord.DesiredState.RUNNING);
                ctx.out().println("starting " + name);
            }
            return TributaryCli.OK;
        }
    }

    @Command(name = "delete", description = {
        "Stop a job and remove it, its jar and its status. Its topics, committed offsets and state stay." })
    static final class Delete implements Callable<Integer>
    {
        private final CliContext ctx;

        @Mixin
        ClusterOption cluster;

        @Parameters(paramLabel = "NAME", description = "the job")
        String name;

        Delete(final CliContext ctx)
        {
            this.ctx = ctx;
        }

        public Integer call()
        {
            try (JobStore store = JobStore.connect(cluster.cluster(), cluster.credentials(ctx)))
            {
                store.delete(name);
                ctx.out().println("deleted " + name);
            }
            return TributaryCli.OK;
        }
    }

    private static List<TaskStatus> current(final JobRecord job, final Map<String, TaskStatus> statuses)
    {
        return statuses.values().stream().filter(t -> t.job().equals(job.name()) && t.version() == job.version() &&
            t.task() < job.tasks()).toList();
    }

    private static Set<String> liveWorkers(final JobStore store)
    {
        final Set<String> members = store.liveMembers();
        return store.workers().values().stream().filter(w -> members.contains(w.memberId()))
            .map(WorkerInfo::worker).collect(Collectors.toSet());
    }

    private static io.tributary.log.TributaryException noSuchJob(final String name)
    {
        return new io.tributary.log.TributaryException(io.tributary.log.ErrorCode.UNKNOWN_ERROR,
            "no job named '" + name + "' (see 'tributary job list')");
    }
}
