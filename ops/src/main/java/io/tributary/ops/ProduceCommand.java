package io.tributary.ops;

import io.tributary.log.ErrorCode;
import io.tributary.log.Producer;
import io.tributary.log.ProducerConfig;
import io.tributary.log.ProducerRecord;
import io.tributary.log.TributaryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code tributary produce TOPIC}: one record per line of stdin. Exits 0 only once the cluster has acknowledged
 * every record; stops reading at the first failure and reports it.
 */
@Command(name = "produce", description = {
    "Send one record per line of stdin (UTF-8). Exits 0 only after every record is acknowledged;",
    "on any failure prints the error and exits non-zero." })
final class ProduceCommand implements Callable<Integer>
{
    private final CliContext ctx;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOption cluster;

    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = "--key-separator", paramLabel = "SEP",
        description = "the text before the first SEP of a line is the key, the rest the value; a line without SEP " +
            "has a null key")
    String keySeparator;

    @Option(names = "--partition", paramLabel = "P",
        description = "send every record to this partition (default: by key, as Kafka; without a key, sticky)")
    Integer partition;

    ProduceCommand(final CliContext ctx)
    {
        this.ctx = ctx;
    }

    public Integer call()
    {
        if (keySeparator != null && keySeparator.isEmpty())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--key-separator must not be empty");
        }
        final Acknowledgements acks = new Acknowledgements();
        try (Producer<String, String> producer = Producer.create(
            ProducerConfig.builder().cluster(cluster.cluster()).credentials(cluster.credentials(ctx)).build()))
        {
            // Ask first, so a wrong topic or partition fails even on empty input, and before anything is sent.
            final int partitions = producer.partitionCount(topic);
            if (partition != null && (partition < 0 || partition >= partitions))
            {
                throw new TributaryException(ErrorCode.PARTITION_OUT_OF_RANGE, "topic '" + topic + "' has partitions 0 to " +
                    (partitions - 1) + "; there is no partition " + partition);
            }
            final BufferedReader reader = new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8));
            String line;
            long lineNumber = 0;
            while (!acks.failed() && (line = reader.readLine()) != null)
            {
                final long number = ++lineNumber;
                acks.sent();
                producer.send(record(line), (metadata, exception) -> acks.completed(number, exception));
            }
            producer.flush();
            acks.awaitAll();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read stdin: " + ex.getMessage(), ex);
        }
        return acks.report(ctx);
    }

    private ProducerRecord<String, String> record(final String line)
    {
        String key = null;
        String value = line;
        if (keySeparator != null)
        {
            final int at = line.indexOf(keySeparator);
            if (at >= 0)
            {
                key = line.substring(0, at);
                value = line.substring(at + keySeparator.length());
            }
        }
        return partition == null ? ProducerRecord.of(topic, key, value) : ProducerRecord.of(topic, partition, key, value);
    }

    /** Counts sends and their outcomes; completed on the client's I/O thread, read by the command's. */
    private static final class Acknowledgements
    {
        private long sent;
        private long completed;
        private long failures;
        private long firstFailedLine;
        private Exception firstFailure;

        synchronized void sent()
        {
            sent++;
        }

        synchronized void completed(final long line, final Exception failure)
        {
            completed++;
            if (failure != null)
            {
                failures++;
                if (firstFailure == null || line < firstFailedLine)
                {
                    firstFailure = failure;
                    firstFailedLine = line;
                }
            }
            notifyAll();
        }

        synchronized boolean failed()
        {
            return failures > 0;
        }

        synchronized void awaitAll()
        {
            try
            {
                while (completed < sent)
                {
                    wait();
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new TributaryException(ErrorCode.CLOSED, "interrupted waiting for acknowledgements");
            }
        }

        synchronized int report(final CliContext ctx)
        {
            if (failures == 0)
            {
                return TributaryCli.OK;
            }
            ctx.err().println("error: " + failures + " of " + sent + " records sent failed; line " + firstFailedLine +
                ": " + firstFailure.getMessage());
            return TributaryCli.FAILED;
        }
    }
}
