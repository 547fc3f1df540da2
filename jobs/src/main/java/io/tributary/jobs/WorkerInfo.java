package io.tributary.jobs;

/**
 * A worker's entry in the compacted topic {@code __job_workers} (key: the worker's id): how to recognise it among the
 * live members of the workers' consumer group, and how many tasks it takes. Immutable.
 *
 * @param worker    the worker's id, stable for the process (default {@code host-pid}).
 * @param memberId  its member id in the group {@code __job-workers}.
 * @param slots     most tasks it runs at once.
 * @param startedAt when it joined, epoch ms.
 */
public record WorkerInfo(String worker, String memberId, int slots, long startedAt)
{
}
