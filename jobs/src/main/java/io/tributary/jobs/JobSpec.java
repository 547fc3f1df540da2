package io.tributary.jobs;

import java.util.Map;
import java.util.Objects;

/**
 * A job as its YAML file declares it, checked: what to run, how many tasks, and their settings. Stored as JSON in the
 * job's record in {@code __jobs}. Immutable.
 *
 * @param name            the job's name, unique in the cluster.
 * @param kind            a pipeline or a connector file.
 * @param pipelineClass   for a pipeline: the class implementing {@code io.tributary.pipeline.PipelineDefinition}.
 * @param jar             for a pipeline: the jar file named in the spec or on the command line, as written (the jar's
 *                        bytes are stored in the cluster), or null when the class is on the workers' class path.
 * @param connectorFile   for a connector: the connector file as named in the spec.
 * @param connectorYaml   for a connector: the file's text, stored with the job so any worker can run it.
 * @param parallelism     how many tasks the job runs across workers.
 * @param from            for a pipeline: where partitions it never committed start ({@code beginning}, {@code end},
 *                        {@code offset:N} or an ISO-8601 time).
 * @param commitIntervalMs for a pipeline: its checkpoint interval.
 * @param env             variables for {@code ${NAME}} in the connector file, over the worker's environment.
 */
public record JobSpec(
    String name,
    Kind kind,
    String pipelineClass,
    String jar,
    String connectorFile,
    String connectorYaml,
    int parallelism,
    String from,
    long commitIntervalMs,
    Map<String, String> env)
{
    /**
     * What a job runs.
     */
    public enum Kind
    {
        PIPELINE, CONNECTOR;

        public String key()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public JobSpec
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /**
     * @return a copy whose pipeline comes from the given jar.
     */
    public JobSpec withJar(final String jar)
    {
        return new JobSpec(name, kind, pipelineClass, jar, connectorFile, connectorYaml, parallelism, from,
            commitIntervalMs, env);
    }
}
