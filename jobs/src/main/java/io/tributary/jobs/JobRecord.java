package io.tributary.jobs;

/**
 * A job's entry in the compacted topic {@code __jobs} (key: the job's name, value: this as JSON; a tombstone deletes
 * the job). Immutable.
 *
 * @param spec       the job as deployed.
 * @param version    1 for the first deploy, then one more per redeploy.
 * @param desired    whether workers should run it.
 * @param artifact   the jar stored in {@code __job_artifacts}, or null when the job has none.
 * @param deployedAt when this version was deployed, epoch ms.
 */
public record JobRecord(JobSpec spec, int version, DesiredState desired, Artifact artifact, long deployedAt)
{
    /**
     * What the user asked for: run or not.
     */
    public enum DesiredState
    {
        RUNNING, STOPPED
    }

    /**
     * A jar chunked into {@code __job_artifacts} under keys {@code <job>/<version>/<chunk>}.
     *
     * @param sha256 hex SHA-256 of the whole jar, checked by a worker that fetches it.
     * @param size   bytes.
     * @param chunks how many chunks.
     */
    public record Artifact(String sha256, long size, int chunks)
    {
    }

    public String name()
    {
        return spec.name();
    }

    public JobRecord withDesired(final DesiredState desired)
    {
        return new JobRecord(spec, version, desired, artifact, deployedAt);
    }

    /**
     * @return how many tasks the job runs while it is running.
     */
    public int tasks()
    {
        return spec.parallelism();
    }
}
