package io.tributary.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link PipelineRunner} runs a pipeline against a cluster.
 *
 * @param cluster            the cluster's members list, e.g. {@code "0=127.0.0.1:9100"}.
 * @param startAt            where to start input partitions the pipeline has never committed.
 * @param commitInterval     how often a checkpoint is appended: outputs become visible at this pace.
 * @param maxCheckpointBytes a checkpoint is appended early once its outputs and state changes reach this many bytes;
 *                           it must leave room in the producer's request limit for one record's outputs.
 * @param stateDirectory     where tasks keep their state in RocksDB (needs {@code org.rocksdb:rocksdbjni} on the
 *                           class path), or null to keep it in memory. Either way a task restores its state from the
 *                           changelog when it starts; RocksDB only lets state outgrow the heap.
 */
public record RunnerConfig(
    String cluster, StartAt startAt, Duration commitInterval, int maxCheckpointBytes, Path stateDirectory)
{
    public RunnerConfig
    {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(startAt, "startAt");
        Objects.requireNonNull(commitInterval, "commitInterval");
        if (commitInterval.isNegative() || commitInterval.isZero())
        {
            throw new IllegalArgumentException("commitInterval must be positive: " + commitInterval);
        }
        if (maxCheckpointBytes < 1024 || maxCheckpointBytes > 768 * 1024)
        {
            throw new IllegalArgumentException("maxCheckpointBytes must be between 1 KiB and 768 KiB: "
                + maxCheckpointBytes);
        }
    }

    /**
     * @return defaults: start from the beginning, checkpoint every 100 ms or 256 KiB.
     */
    public static RunnerConfig of(final String cluster)
    {
        return new RunnerConfig(cluster, StartAt.beginning(), Duration.ofMillis(100), 256 * 1024, null);
    }

    public RunnerConfig withStartAt(final StartAt startAt)
    {
        return new RunnerConfig(cluster, startAt, commitInterval, maxCheckpointBytes, stateDirectory);
    }

    public RunnerConfig withCommitInterval(final Duration commitInterval)
    {
        return new RunnerConfig(cluster, startAt, commitInterval, maxCheckpointBytes, stateDirectory);
    }

    /**
     * @return a copy keeping state in RocksDB under the directory (null: in memory).
     */
    public RunnerConfig withStateDirectory(final Path stateDirectory)
    {
        return new RunnerConfig(cluster, startAt, commitInterval, maxCheckpointBytes, stateDirectory);
    }

    public RunnerConfig withMaxCheckpointBytes(final int maxCheckpointBytes)
    {
        return new RunnerConfig(cluster, startAt, commitInterval, maxCheckpointBytes, stateDirectory);
    }
}
