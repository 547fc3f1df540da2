package io.tributary.jobs;

import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.Topology;

/**
 * A pipeline class for the spec checks; deploying checks that it exists and implements {@link PipelineDefinition},
 * without running it.
 */
public final class NoopPipeline implements PipelineDefinition
{
    public Topology topology()
    {
        throw new UnsupportedOperationException("never run by the spec checks");
    }
}
