package io.tributary.ops;

import io.tributary.jobs.Worker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code tributary worker}: run the tasks of jobs that the cluster assigns to this process, until SIGTERM/SIGINT.
 */
@Command(name = "worker", description = {
    "Run job tasks in the foreground until SIGTERM or SIGINT: joins the cluster's workers, runs the tasks assigned",
    "to it, restarts failing ones with backoff, reports their state and lag. A killed worker's tasks move to the",
    "others after --session-timeout; a new worker takes its share of the tasks." })
final class WorkerCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Mixin
    ClusterOption cluster;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "8",
        description = "most tasks this worker runs at once (default: ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--id", paramLabel = "ID",
        description = "this worker's id among workers (default: host-pid)")
    String id;

    @Option(names = "--session-timeout", paramLabel = "DURATION", defaultValue = "10s",
        converter = DurationConverter.class,
        description = "how long the cluster waits for this worker's heartbeat before moving its tasks "
            + "(default: ${DEFAULT-VALUE})")
    Duration sessionTimeout;

    @Mixin
    PluginPathOption plugins;

    WorkerCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call()
    {
        Worker.Config config = Worker.Config.of(cluster.cluster()).withSlots(slots)
            .withSessionTimeout(sessionTimeout).withEnv(ctx.env()).withPluginPath(plugins.pluginPath());
        if (id != null)
        {
            config = config.withId(id);
        }
        final Worker worker = Worker.create(config);
        ctx.out().println("worker " + worker.id() + " with " + slots + " slots on " + cluster.cluster());
        ctx.out().flush();
        runUntilSignalled(worker);
        ctx.out().println("worker " + worker.id() + " stopped");
        return TributaryCli.OK;
    }

    /**
     * Run the worker on this thread until SIGTERM/SIGINT, then let it stop its tasks while the cluster clients still
     * work.
     */
    static void runUntilSignalled(final Worker worker)
    {
        TerminationSignals.handle(worker::close);
        worker.run();
    }
}
