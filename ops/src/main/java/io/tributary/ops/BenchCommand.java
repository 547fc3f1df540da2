package io.tributary.ops;

import io.tributary.log.Admin;
import io.tributary.log.NewTopic;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * {@code tributary bench ...}: whole-system figures against a running cluster. Measurements only: a bench never
 * judges its numbers.
 */
@Command(name = "bench", description = "Measure the cluster: produce throughput, end-to-end latency, consumer fan-out, failover, compaction.",
    subcommands = { BenchProduceCommand.class, BenchE2eCommand.class, BenchFanoutCommand.class, BenchFailoverCommand.class,
        BenchPipelineCommand.class, BenchCompactionCommand.class })
final class BenchCommand extends CommandGroup
{
    /**
     * @return e.g. {@code machine: 2 cores, max heap 1024 MiB, Java 17.0.15 (OpenJDK 64-Bit Server VM), Linux amd64}.
     */
    static String machine()
    {
        return String.format(Locale.ROOT, "machine: %d cores, max heap %d MiB, Java %s (%s), %s %s",
            Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().maxMemory() / (1024 * 1024),
            System.getProperty("java.version"),
            System.getProperty("java.vm.name"),
            System.getProperty("os.name"),
            System.getProperty("os.arch"));
    }

    /**
     * @param micros a histogram of microseconds.
     * @return {@code p50=0.123 p99=… p99.9=… max=…} in milliseconds, or {@code no samples}.
     */
    static String percentilesMs(final Histogram micros)
    {
        if (micros.getTotalCount() == 0)
        {
            return "no samples";
        }
        return String.format(Locale.ROOT, "p50=%.3f p99=%.3f p99.9=%.3f max=%.3f",
            micros.getValueAtPercentile(50) / 1000.0,
            micros.getValueAtPercentile(99) / 1000.0,
            micros.getValueAtPercentile(99.9) / 1000.0,
            micros.getMaxValue() / 1000.0);
    }

    /**
     * The topic a bench writes to: created fresh (and deleted when closed) unless it already exists, in which case
     * it is used as it is and kept.
     */
    static final class BenchTopic implements AutoCloseable
    {
        private final Admin admin;
        private final String name;
        private final int partitions;
        private final boolean created;

        BenchTopic(final Admin admin, final String name, final int partitions)
        {
            this.admin = admin;
            this.name = name != null ? name : "bench-" + System.currentTimeMillis();
            if (admin.listTopics().contains(this.name))
            {
                this.partitions = admin.describeTopic(this.name).partitions().size();
                this.created = false;
            }
            else
            {
                admin.createTopic(new NewTopic(this.name, partitions));
                this.partitions = partitions;
                this.created = true;
            }
        }

        String name()
        {
            return name;
        }

        int partitions()
        {
            return partitions;
        }

        String describe()
        {
            return "topic " + name + " with " + partitions + " partition" + (partitions == 1 ? "" : "s") +
                (created ? "" : " (existing, kept)");
        }

        public void close()
        {
            if (created)
            {
                admin.deleteTopic(name);
            }
        }
    }

    static void println(final PrintWriter out, final String line)
    {
        out.println(line);
        out.flush();
    }
}
