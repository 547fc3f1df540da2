package io.tributary.jobs;

/**
 * A stop or start of one deployed version of a job: its entry in the compacted topic {@code __job_control} (key: the
 * job's name, value: this as JSON). Kept apart from the job's record in {@code __jobs} so that the cluster can tell
 * deploying a job (writing {@code __jobs}) from stopping it (writing {@code __job_control}) and check each against
 * its own access rule. It applies only to the version it names: a later deploy runs at once, as the deploy says.
 *
 * @param desired    run or not.
 * @param version    the job version it applies to.
 * @param deployedAt that version's deploy time, epoch ms, so that a job deleted and deployed again as version 1 is
 *                   not held by a stop of the old version 1.
 */
public record JobControl(JobRecord.DesiredState desired, int version, long deployedAt)
{
    /**
     * @return the job as this control leaves it: its desired state when the control is for this version of it.
     */
    JobRecord applyTo(final JobRecord job)
    {
        return job.version() == version && job.deployedAt() == deployedAt ? job.withDesired(desired) : job;
    }
}
