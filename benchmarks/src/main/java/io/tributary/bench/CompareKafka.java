package io.tributary.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The driver of {@code ops/bench/compare-kafka.sh}: {@code run} runs the workloads against one system already
 * started by the script and writes its results; {@code report} turns both systems' results into charts and the
 * comparison section of {@code docs/benchmarks.md}.
 */
@Command(name = "compare-kafka", mixinStandardHelpOptions = true,
    subcommands = { CompareKafka.Run.class, CompareKafka.Write.class })
public final class CompareKafka
{
    static final List<Report.Aim> AIMS = List.of(
        new Report.Aim("produce throughput, 1 partition, at least 5× Kafka's", ProduceWorkload.NAME,
            "100 B, 1 partition", "records/s", 5),
        new Report.Aim("produce throughput, 4 partitions, at least 3× Kafka's", ProduceWorkload.NAME,
            "100 B, 4 partitions", "records/s", 3),
        new Report.Aim("p99 end-to-end latency at 10,000 records/s at most a tenth of Kafka's", LatencyWorkload.NAME,
            "10,000 records/s", "p99 ms", 10),
        new Report.Aim("stateless pipeline at least 3× Kafka Streams'", PipelineWorkload.NAME, "filter-map",
            "input records/s", 3),
        new Report.Aim("windowed pipeline at least 3× Kafka Streams'", PipelineWorkload.NAME, "windowed count",
            "input records/s", 3),
        new Report.Aim("with 1,000 consumers the producer keeps 90% of its throughput", FanOutWorkload.NAME,
            "1,000 consumers", "% of producer alone", -90));

    static final String MACHINE = "machine.txt";

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new CompareKafka()).execute(args));
    }

    /** Runs the workloads against one system. */
    @Command(name = "run", description = "Run the workloads against one running system and write its results.")
    static final class Run implements Callable<Integer>
    {
        @Option(names = "--system", required = true, description = "kafka or tributary")
        String system;

        @Option(names = "--address", required = true,
            description = "Kafka's bootstrap servers, or Tributary's cluster members list")
        String address;

        @Option(names = "--nodes", defaultValue = "1", description = "brokers or nodes; Kafka topics get this "
            + "replication factor (and min.insync.replicas=2 from 3)")
        int nodes;

        @Option(names = "--results", required = true, description = "directory for results.tsv and .hlog files")
        Path results;

        @Option(names = "--quick", description = "reduced sizes: the whole comparison in under 5 minutes")
        boolean quick;

        @Option(names = "--workloads", split = ",", defaultValue = "produce,e2e,catch-up,fan-out,pipelines",
            description = "which to run (default: ${DEFAULT-VALUE})")
        List<String> workloads;

        @Option(names = "--fan-out-consumers", split = ",", paramLabel = "N",
            description = "consumer counts of the fan-out workload (default: 1,100,1000; --quick 1,100)")
        List<Integer> fanOutConsumers;

        @Option(names = "--fan-out-records", paramLabel = "N",
            description = "records the fan-out producer writes (default: 200000; --quick 50000)")
        Long fanOutRecords;

        public Integer call() throws Exception
        {
            Files.createDirectories(results);
            final PrintStream log = System.out;
            final Results out = new Results(results, log);
            try (Target target = "kafka".equals(system)
                ? new KafkaTarget(address, nodes, Duration.ofMinutes(2))
                : new TributaryTarget(address, Duration.ofMinutes(2)))
            {
                log.println(system + ": " + machine());
                Files.writeString(results.resolve(MACHINE), machine() + "\n");
                try
                {
                    runWorkloads(target, out);
                }
                finally
                {
                    out.write();
                }
            }
            return 0;
        }

        private void runWorkloads(final Target target, final Results out)
        {
            // A quick run on several nodes keeps one case per figure the aims name, so the whole run fits 5 minutes.
            final boolean brief = quick && nodes > 1;
            if (workloads.contains("produce"))
            {
                attempt(out, ProduceWorkload.NAME, () ->
                {
                    ProduceWorkload.run(target, out, quick ? 300_000 : 2_000_000, 100, 1);
                    ProduceWorkload.run(target, out, quick ? 300_000 : 2_000_000, 100, 4);
                    if (!brief)
                    {
                        ProduceWorkload.run(target, out, quick ? 60_000 : 500_000, 1000, 1);
                        ProduceWorkload.run(target, out, quick ? 60_000 : 500_000, 1000, 4);
                    }
                });
            }
            if (workloads.contains("e2e"))
            {
                for (final int rate : brief ? new int[] { 10_000 } : new int[] { 1_000, 10_000, 50_000 })
                {
                    attempt(out, LatencyWorkload.NAME, () -> LatencyWorkload.run(target, out, rate, quick ? 5 : 30));
                }
            }
            if (workloads.contains("catch-up"))
            {
                attempt(out, CatchUpWorkload.NAME,
                    () -> CatchUpWorkload.run(target, out, quick ? 1_000_000 : 10_000_000));
            }
            if (workloads.contains("fan-out"))
            {
                final List<Integer> counts = fanOutConsumers != null ? fanOutConsumers
                    : quick ? List.of(1, 100) : List.of(1, 100, 1000);
                final long records = fanOutRecords != null ? fanOutRecords : quick ? 50_000 : 200_000;
                for (final int consumers : counts)
                {
                    attempt(out, FanOutWorkload.NAME, () -> FanOutWorkload.run(target, out, consumers, records));
                }
            }
            if (workloads.contains("pipelines"))
            {
                attempt(out, PipelineWorkload.NAME,
                    () -> PipelineWorkload.run(target, out, quick ? 100_000 : 1_000_000));
            }
        }

        /** A failed workload is noted and the next one runs: one bad figure does not cost the whole run. */
        private static void attempt(final Results out, final String workload, final Step step)
        {
            try
            {
                step.run();
            }
            catch (final Exception ex)
            {
                out.failed(workload, ex);
            }
        }

        @FunctionalInterface
        private interface Step
        {
            void run() throws Exception;
        }
    }

    /** Writes the charts and the report section from both systems' results. */
    @Command(name = "report", description = "Write the latency charts and the comparison section of the document.")
    static final class Write implements Callable<Integer>
    {
        @Option(names = "--results", required = true, description = "as given to run, holding kafka/ and tributary/")
        Path results;

        @Option(names = "--doc", required = true, description = "the markdown file to put the section in")
        Path doc;

        @Option(names = "--settings", description = "markdown the script wrote: commands and settings of both systems")
        Path settings;

        @Option(names = "--quick", description = "label the figures as a --quick run")
        boolean quick;

        public Integer call() throws IOException
        {
            final StringBuilder sb = new StringBuilder(Report.HEADING).append("\n\n");
            sb.append("Written by `ops/bench/compare-kafka.sh").append(quick ? " --quick" : "").append("` on ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(". ");
            if (quick)
            {
                sb.append("**A `--quick` run: reduced sizes, to show the comparison works end to end; not figures to "
                    + "quote.** ");
            }
            sb.append("Both systems ran on this machine in turn, on loopback, the workloads' client in its own JVM; "
                + "the same workload code drives each system through its own client (`benchmarks/`, "
                + "`io.tributary.bench`).\n\n");
            sb.append("Machine: ").append(machine()).append(" when the report was written. Load average as each "
                + "system's run began: ").append(loads(results)).append(".\n\n");
            if (settings != null && Files.exists(settings))
            {
                sb.append(Files.readString(settings).stripTrailing()).append("\n\n");
            }
            sb.append("\"Tributary's edge\" is how many times better Tributary's figure is: Tributary ÷ Kafka for "
                + "throughput, Kafka ÷ Tributary for latency; below 1× Kafka is better.\n\n");

            final List<Results.Row> kafka = Results.read(results.resolve("kafka").resolve(Results.FILE));
            final List<Results.Row> tributary = Results.read(results.resolve("tributary").resolve(Results.FILE));
            sb.append("### One node\n\n").append(Report.table(kafka, tributary)).append('\n');
            final List<String> charts = charts(results.resolve("kafka"), results.resolve("tributary"), "");
            for (final String chart : charts)
            {
                sb.append("![").append(chart).append("](../ops/bench/results/").append(chart).append(")\n");
            }

            final Path three = results.resolve("3-nodes");
            if (Files.exists(three.resolve("kafka").resolve(Results.FILE))
                || Files.exists(three.resolve("tributary").resolve(Results.FILE)))
            {
                sb.append("\n### Three nodes\n\nTributary's 3-node cluster against 3 Kafka brokers (KRaft, each "
                    + "broker also a controller), replication factor 3 and `min.insync.replicas=2`, all on loopback "
                    + "on the same cores.\n\n");
                sb.append(Report.table(Results.read(three.resolve("kafka").resolve(Results.FILE)),
                    Results.read(three.resolve("tributary").resolve(Results.FILE)))).append('\n');
                for (final String chart : charts(three.resolve("kafka"), three.resolve("tributary"), "3-nodes-"))
                {
                    sb.append("![").append(chart).append("](../ops/bench/results/").append(chart).append(")\n");
                }
            }

            sb.append(failures("One node", results));
            sb.append(failures("Three nodes", three));
            sb.append("\n### The aims, in this run\n\n");
            if (quick)
            {
                sb.append("Checked mechanically against the figures above; from a `--quick` run they say nothing "
                    + "yet.\n\n");
            }
            sb.append(Report.aims(AIMS, kafka, tributary));
            sb.append("\nRaw HdrHistogram logs (microseconds) and the figures as TSV: `ops/bench/results/kafka/`, "
                + "`ops/bench/results/tributary/`").append(Files.exists(three) ? ", `ops/bench/results/3-nodes/`" : "")
                .append(".\n");

            final String document = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n";
            Files.writeString(doc, Report.splice(document, sb.toString()));
            return 0;
        }

        /**
         * @return file names of the PNG charts written into {@code results}, one per histogram both systems have.
         */
        private List<String> charts(final Path kafkaDir, final Path tributaryDir, final String prefix)
            throws IOException
        {
            final List<String> written = new ArrayList<>();
            if (!Files.isDirectory(kafkaDir) || !Files.isDirectory(tributaryDir))
            {
                return written;
            }
            final List<Path> logs;
            try (Stream<Path> files = Files.list(tributaryDir))
            {
                logs = files.filter(p -> p.getFileName().toString().endsWith(".hlog")).sorted().toList();
            }
            for (final Path tributaryLog : logs)
            {
                final Path kafkaLog = kafkaDir.resolve(tributaryLog.getFileName());
                if (!Files.exists(kafkaLog))
                {
                    continue;
                }
                final String name = tributaryLog.getFileName().toString().replace(".hlog", "");
                final String png = prefix + name + ".png";
                new PercentileChart((prefix.isEmpty() ? "" : "3 nodes: ") + title(tributaryLog))
                    .add("Kafka", readHistogram(kafkaLog))
                    .add("Tributary", readHistogram(tributaryLog))
                    .writePng(results.resolve(png));
                written.add(png);
            }
            return written;
        }
    }

    /**
     * @return e.g. {@code Kafka 3.1, Tributary 2.9; three nodes: Kafka 4.0, Tributary 3.8}, from each run's
     * machine line.
     */
    static String loads(final Path results) throws IOException
    {
        final List<String> parts = new ArrayList<>();
        for (final String setup : List.of("", "3-nodes"))
        {
            final List<String> loads = new ArrayList<>();
            for (final String system : List.of("kafka", "tributary"))
            {
                final Path file = results.resolve(setup).resolve(system).resolve(MACHINE);
                if (Files.exists(file))
                {
                    final String line = Files.readString(file).trim();
                    loads.add((system.equals("kafka") ? "Kafka " : "Tributary ") +
                        line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            if (!loads.isEmpty())
            {
                parts.add((setup.isEmpty() ? "" : "three nodes: ") + String.join(", ", loads));
            }
        }
        return parts.isEmpty() ? "not recorded" : String.join("; ", parts);
    }

    /**
     * @return a paragraph listing the workloads that failed under {@code dir}, or nothing.
     */
    static String failures(final String what, final Path dir) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (final String system : List.of("kafka", "tributary"))
        {
            for (final String failure : Results.readFailures(dir.resolve(system)))
            {
                sb.append("- ").append(system).append(", ").append(what.toLowerCase(Locale.ROOT)).append(": `")
                    .append(failure.replace('`', '\'')).append("`\n");
            }
        }
        return sb.length() == 0 ? "" : "\n**Failed in this run** (no figures for these):\n\n" + sb;
    }

    /**
     * @return the histogram's description, from the comment {@link Results#latency} wrote first in its log.
     */
    static String title(final Path log) throws IOException
    {
        try (Stream<String> lines = Files.lines(log))
        {
            return lines.findFirst().filter(l -> l.startsWith("#"))
                .map(l -> l.substring(1).replaceFirst("\\s*[,:]?\\s*(latency in )?microseconds$", "").trim())
                .orElse(log.getFileName().toString()) + ": end-to-end latency";
        }
    }

    static Histogram readHistogram(final Path file) throws IOException
    {
        final HistogramLogReader reader = new HistogramLogReader(file.toFile());
        final Histogram total = new Histogram(3);
        Histogram next;
        while ((next = (Histogram)reader.nextIntervalHistogram()) != null)
        {
            total.add(next);
        }
        reader.close();
        return total;
    }

    /**
     * @return e.g. {@code 2 cores, 23.5 GiB memory, Java 17.0.15 (OpenJDK 64-Bit Server VM), Linux 6.1 amd64, load
     * average 3.2}.
     */
    static String machine()
    {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        long memory = -1;
        if (os instanceof com.sun.management.OperatingSystemMXBean sun)
        {
            memory = sun.getTotalMemorySize();
        }
        return String.format(Locale.ROOT, "%d cores, %.1f GiB memory, Java %s (%s), %s %s %s, load average %.1f",
            Runtime.getRuntime().availableProcessors(), memory / (1024.0 * 1024 * 1024),
            System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
            System.getProperty("os.version"), System.getProperty("os.arch"), os.getSystemLoadAverage());
    }
}
