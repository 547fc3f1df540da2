package io.tributary.ops;

import io.tributary.connect.spec.Durations;

import io.tributary.log.Admin;
import io.tributary.log.ErrorCode;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.Serializer;
import io.tributary.log.TributaryException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code tributary bench produce}: send N records of B random bytes (no key) as fast as the producer takes them;
 * report throughput and acknowledgement latency (send call to acknowledgement).
 */
@Command(name = "produce", description = {
    "Send --records records of --record-size random bytes (no key) as fast as the producer takes them.",
    "Prints the machine, records/s, MB/s (10^6 bytes of values per second) and ack latency percentiles.",
    "Creates topic --topic (default bench-<millis>) and deletes it after; an existing --topic is used and kept." })
final class BenchProduceCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Option(names = "--records", paramLabel = "N", required = true, description = "records to send")
    long records;

    @Option(names = "--record-size", paramLabel = "B", required = true, description = "bytes of each value")
    int recordSize;

    @Option(names = "--partitions", paramLabel = "P", required = true, description = "partitions of the topic")
    int partitions;

    @Option(names = "--batch-size", paramLabel = "BYTES", defaultValue = "65536",
        description = "the producer's batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--linger", paramLabel = "DURATION", defaultValue = "5ms", converter = DurationConverter.class,
        description = "the producer's linger (default: ${DEFAULT-VALUE})")
    Duration linger;

    @Option(names = "--topic", paramLabel = "T", description = "topic name (default: bench-<millis>)")
    String topic;

    BenchProduceCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call()
    {
        if (records < 1 || recordSize < 0 || partitions < 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--records and --partitions must be >= 1 and --record-size >= 0");
        }
        final ProducerConfig config = ProducerConfig.builder()
            .cluster(cluster.cluster()).credentials(cluster.credentials(ctx))
            .batchSize(batchSize)
            .maxRequestSize(Math.max(batchSize, 1024 * 1024))
            .linger(linger)
            .build();
        BenchCommand.println(ctx.out(), BenchCommand.machine());

        try (Admin admin = cluster.admin(ctx);
            BenchCommand.BenchTopic benchTopic = new BenchCommand.BenchTopic(admin, topic, partitions);
            Producer<byte[], byte[]> producer = Producer.create(config, Serializer.bytes(), Serializer.bytes()))
        {
            BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                "bench produce: %d records of %d B, %s, batch %d B, linger %s",
                records, recordSize, benchTopic.describe(), batchSize, Durations.format(linger)));

            final byte[] value = new byte[recordSize];
            ThreadLocalRandom.current().nextBytes(value);
            final Histogram ackMicros = new SynchronizedHistogram(3);
            final Outcomes outcomes = new Outcomes();

            final long startNs = System.nanoTime();
            for (long i = 0; i < records && !outcomes.failed(); i++)
            {
                final long sentNs = System.nanoTime();
                outcomes.sent();
                producer.send(ProducerRecord.of(benchTopic.name(), null, value), (metadata, exception) ->
                {
                    if (exception == null)
                    {
                        ackMicros.recordValue(Math.max(0, (System.nanoTime() - sentNs) / 1000));
                    }
                    outcomes.completed(exception);
                });
            }
            producer.flush();
            final long sent = outcomes.awaitAll();
            final double seconds = (System.nanoTime() - startNs) / 1e9;

            BenchCommand.println(ctx.out(), String.format(Locale.ROOT,
                "sent %d records in %.3f s: %.0f records/s, %.2f MB/s (%d failed)",
                sent, seconds, sent / seconds, sent * (double)recordSize / seconds / 1e6, outcomes.failures()));
            BenchCommand.println(ctx.out(), "ack latency ms: " + BenchCommand.percentilesMs(ackMicros));
            if (outcomes.failed())
            {
                throw new TributaryException(ErrorCode.UNKNOWN_ERROR,
                    outcomes.failures() + " sends failed; first: " + outcomes.firstFailure().getMessage());
            }
        }
        return TributaryCli.OK;
    }

    /** Completions counted on the client's I/O thread, awaited by the bench's. */
    static final class Outcomes
    {
        private long sent;
        private long completed;
        private long failures;
        private Exception firstFailure;

        synchronized void sent()
        {
            sent++;
        }

        synchronized void completed(final Exception failure)
        {
            completed++;
            if (failure != null && failures++ == 0)
            {
                firstFailure = failure;
            }
            notifyAll();
        }

        synchronized boolean failed()
        {
            return failures > 0;
        }

        synchronized long failures()
        {
            return failures;
        }

        synchronized long acknowledged()
        {
            return completed - failures;
        }

        synchronized Exception firstFailure()
        {
            return firstFailure;
        }

        /**
         * @return how many were sent, once every one has completed.
         */
        synchronized long awaitAll()
        {
            try
            {
                while (completed < sent)
                {
                    wait();
                }
                return sent;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new TributaryException(ErrorCode.CLOSED, "interrupted waiting for acknowledgements");
            }
        }
    }
}
