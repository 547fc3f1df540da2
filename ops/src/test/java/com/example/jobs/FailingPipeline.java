package com.example.jobs;

import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.Topology;

/**
 * A pipeline whose topology cannot be built: a job running it fails at every start.
 */
public class FailingPipeline implements PipelineDefinition
{
    public Topology topology()
    {
        throw new IllegalStateException("reference table 'plants' is not configured");
    }
}
