package com.example.jobs;

import io.tributary.pipeline.Topology;

/**
 * Version 2 of {@link CountingPipeline}: the same pipeline and operator names, so its state carries over; its
 * results are marked {@code v2:}.
 */
public class CountingPipelineV2 extends CountingPipeline
{
    public Topology topology()
    {
        return topology("v2:");
    }
}
