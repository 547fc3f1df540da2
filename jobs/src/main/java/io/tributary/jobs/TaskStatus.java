package io.tributary.jobs;

import java.util.List;

/**
 * What a worker reports about one task, in the compacted topic {@code __job_status} (key {@code <job>/<task>}, value
 * this as JSON). The worker running a task rewrites it on every change and every few seconds. Immutable.
 *
 * @param job        the job's name.
 * @param task       the task's index, 0 to parallelism - 1.
 * @param version    the job version the task runs.
 * @param worker     the worker running it.
 * @param state      STARTING, RUNNING, IDLE (a pipeline task beyond its inputs' partitions: it waits for more),
 *                   WAITING (a connector task whose source's lease another instance holds: it takes over when
 *                   that one stops or its session expires), FAILED (waiting to restart), or STOPPED.
 * @param partitions the input partition numbers it holds (pipelines), empty when none.
 * @param lag        records behind on those partitions, or -1 when unknown.
 * @param restarts   how often it was restarted after a failure on this worker.
 * @param error      the last failure, as {@code Exception: message}, or null.
 * @param updatedAt  when the worker wrote this, epoch ms.
 */
public record TaskStatus(String job, int task, int version, String worker, State state, List<Integer> partitions,
    long lag, int restarts, String error, long updatedAt)
{
    /**
     * A task's state on its worker.
     */
    public enum State
    {
        STARTING, RUNNING, IDLE, WAITING, FAILED, STOPPED
    }

    public TaskStatus
    {
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
    }

    public static String key(final String job, final int task)
    {
        return job + "/" + task;
    }
}
