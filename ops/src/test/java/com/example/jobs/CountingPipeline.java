package com.example.jobs;

import io.tributary.pipeline.Consumed;
import io.tributary.pipeline.Grouped;
import io.tributary.pipeline.Pipeline;
import io.tributary.pipeline.PipelineDefinition;
import io.tributary.pipeline.Produced;
import io.tributary.pipeline.Serdes;
import io.tributary.pipeline.Stateful;
import io.tributary.pipeline.Topology;

/**
 * A pipeline the job tests deploy from a jar: per key of {@code jobs-input} (value: a unique sequence number) it keeps
 * a count and writes {@code "<count>:<sequence>"} to {@code jobs-output}. A duplicate shows as a sequence number
 * written twice, lost state as a count that starts over. Outside {@code io.tributary} so that workers load it from
 * the job's jar.
 */
public class CountingPipeline implements PipelineDefinition
{
    public static final String NAME = "jobs-counting";
    public static final String INPUT = "jobs-input";
    public static final String OUTPUT = "jobs-output";

    /**
     * State per key.
     *
     * @param count records so far.
     * @param last  last sequence number.
     */
    public record Progress(long count, long last)
    {
    }

    public Topology topology()
    {
        return topology("");
    }

    static Topology topology(final String prefix)
    {
        final Pipeline p = Pipeline.create(NAME);
        p.stream(INPUT, Consumed.with(Serdes.string(), Serdes.longs()))
            .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.longs()))
            .aggregate(() -> new Progress(0, -1), (k, seq, progress) -> new Progress(progress.count() + 1, seq),
                Stateful.<Progress>named("progress").withSerde(Serdes.json(Progress.class)))
            .toStream()
            .mapValues(progress -> prefix + progress.count() + ":" + progress.last())
            .to(OUTPUT, Produced.with(Serdes.string(), Serdes.string()));
        return p.build();
    }
}
