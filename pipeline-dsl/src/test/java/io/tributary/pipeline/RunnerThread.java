package io.tributary.pipeline;

import java.util.concurrent.TimeUnit;

/**
 * A {@link PipelineRunner} on a thread of its own in the test JVM, keeping what it threw for the test to report.
 */
final class RunnerThread
{
    private final String name;
    private final PipelineRunner runner;
    private final Thread thread;
    private volatile Throwable failure;

    private RunnerThread(final Topology topology, final RunnerConfig config)
    {
        this.name = topology.name();
        this.runner = PipelineRunner.create(topology, config);
        this.thread = new Thread(() ->
        {
            try
            {
                runner.run();
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
        }, "pipeline-" + name);
    }

    static RunnerThread start(final Topology topology, final RunnerConfig config)
    {
        final RunnerThread started = new RunnerThread(topology, config);
        started.thread.start();
        return started;
    }

    PipelineRunner runner()
    {
        return runner;
    }

    /**
     * @return true; fails the test when the runner has thrown.
     */
    boolean running()
    {
        if (failure != null)
        {
            throw new AssertionError("pipeline " + name + " failed", failure);
        }
        return true;
    }

    /**
     * Close the runner (it checkpoints) and wait for it to return; fails the test when it threw or did not stop.
     */
    void stop() throws InterruptedException
    {
        runner.close();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        if (thread.isAlive())
        {
            throw new AssertionError("pipeline " + name + " did not stop");
        }
        running();
    }
}
