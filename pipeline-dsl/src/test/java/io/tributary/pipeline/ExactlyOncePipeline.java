package io.tributary.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline the exactly-once tests run, in its own JVM so that a test can SIGKILL it. Input: key {@code k<n>},
 * value a unique sequence number. It re-keys by key, keeps per key a count and the last sequence number, and writes
 * {@code "<count>:<sequence>"} per record: a duplicate shows as a sequence number written twice, lost state as a
 * count that starts over.
 * <p>
 * With a table topic too, it is a stream-table join instead: each input record is written as
 * {@code "<sequence> by <the key's row in the table>"} ({@code null} when the row is missing).
 * <p>
 * Arguments: cluster pipelineName inputTopic outputTopic [tableTopic] [--state-dir DIR] (RocksDB state under DIR).
 */
public final class ExactlyOncePipeline
{
    /**
     * State per key.
     *
     * @param count records so far.
     * @param last  last sequence number.
     */
    public record Progress(long count, long last)
    {
    }

    private ExactlyOncePipeline()
    {
    }

    public static Topology topology(final String name, final String input, final String output)
    {
        final Pipeline p = Pipeline.create(name);
        p.stream(input, Consumed.with(Serdes.string(), Serdes.longs()))
            .keyBy((k, v) -> k, Grouped.as("by-key", Serdes.string(), Serdes.longs()))
            .aggregate(() -> new Progress(0, -1), (k, seq, progress) -> new Progress(progress.count() + 1, seq),
                Stateful.<Progress>named("progress").withSerde(Serdes.json(Progress.class)))
            .toStream()
            .mapValues(progress -> progress.count() + ":" + progress.last())
            .to(output, Produced.with(Serdes.string(), Serdes.string()));
        return p.build();
    }

    public static Topology joinTopology(final String name, final String input, final String table, final String output)
    {
        final Pipeline p = Pipeline.create(name);
        final Table<String, String> rows = p.table(table, Consumed.with(Serdes.string(), Serdes.string()),
            Stateful.named("rows"));
        p.stream(input, Consumed.with(Serdes.string(), Serdes.longs()))
            .leftJoin(rows, (seq, row) -> seq + " by " + row)
            .to(output, Produced.with(Serdes.string(), Serdes.string()));
        return p.build();
    }

    public static void main(final String[] options) throws InterruptedException
    {
        final List<String> args = new ArrayList<>(List.of(options));
        Path stateDir = null;
        final int stateDirAt = args.indexOf("--state-dir");
        if (stateDirAt >= 0)
        {
            stateDir = Path.of(args.remove(stateDirAt + 1));
            args.remove(stateDirAt);
        }
        final Topology topology = args.size() > 4 ? joinTopology(args.get(1), args.get(2), args.get(4), args.get(3)) :
            topology(args.get(1), args.get(2), args.get(3));
        final PipelineRunner runner = PipelineRunner.create(topology,
            RunnerConfig.of(args.get(0)).withCommitInterval(Duration.ofMillis(50)).withStateDirectory(stateDir));
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            runner.close();
            try
            {
                stopped.await(20, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }));
        try
        {
            runner.run();
        }
        finally
        {
            stopped.countDown();
        }
    }
}
