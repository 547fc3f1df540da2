package io.tributary.pipeline;

/**
 * A pipeline packaged for {@code tributary pipeline run --class ... --jar ...}: a public class with a public
 * no-argument constructor that builds its topology.
 */
public interface PipelineDefinition
{
    /**
     * @return the pipeline's topology.
     */
    Topology topology();
}
