package io.tributary.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one system's run: rows of {@code workload, case, measure, value} written to
 * {@code <dir>/results.tsv}, and each latency histogram (microseconds) as an HdrHistogram log
 * {@code <dir>/<workload>-<case>.hlog}. Not thread-safe: the driver's thread adds rows.
 */
final class Results
{
    static final String FILE = "results.tsv";
    static final String FAILURES = "failures.txt";

    /** One figure. {@code measure} carries the unit: {@code records/s}, {@code MB/s}, {@code p99 ms}, ... */
    record Row(String workload, String scenario, String measure, double value)
    {
        /**
         * @return true when a larger value is better (throughput, a share kept); false for latencies.
         */
        boolean higherIsBetter()
        {
            return !measure.endsWith(" ms");
        }

        String key()
        {
            return workload + "\t" + scenario + "\t" + measure;
        }
    }

    private final Path dir;
    private final PrintStream log;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    Results(final Path dir, final PrintStream log)
    {
        this.dir = dir;
        this.log = log;
    }

    void add(final String workload, final String scenario, final String measure, final double value)
    {
        rows.add(new Row(workload, scenario, measure, value));
        log.printf(Locale.ROOT, "%s | %s | %s = %.3f%n", workload, scenario, measure, value);
        log.flush();
    }

    /**
     * Adds p50, p99, p99.9 and max (in ms) of a histogram of microseconds and writes it as an HdrHistogram log.
     */
    void latency(final String workload, final String scenario, final String what, final Histogram micros)
    {
        final String prefix = what.isEmpty() ? "" : what + " ";
        add(workload, scenario, prefix + "p50 ms", micros.getValueAtPercentile(50) / 1000.0);
        add(workload, scenario, prefix + "p99 ms", micros.getValueAtPercentile(99) / 1000.0);
        add(workload, scenario, prefix + "p99.9 ms", micros.getValueAtPercentile(99.9) / 1000.0);
        add(workload, scenario, prefix + "max ms", micros.getMaxValue() / 1000.0);
        final Path file = dir.resolve(histogramFile(workload, scenario, what));
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputComment(workload + ", " + scenario + (what.isEmpty() ? "" : ", " + what) +
                ": latency in microseconds");
            writer.outputLogFormatVersion();
            writer.outputLegend();
            writer.outputIntervalHistogram(micros);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return e.g. {@code e2e-1000-records-s.hlog}: lower case, runs of other characters made one dash.
     */
    static String histogramFile(final String workload, final String scenario, final String what)
    {
        final String name = (workload + "-" + scenario + (what.isEmpty() ? "" : "-" + what))
            .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
        return name + ".hlog";
    }

    /**
     * Notes a workload that failed, so the report says so instead of leaving its rows out silently.
     */
    void failed(final String workload, final Exception failure)
    {
        final String line = workload + ": " + failure;
        failures.add(line.replace('\n', ' '));
        log.println("FAILED " + line);
        failure.printStackTrace(log);
        log.flush();
    }

    void write() throws IOException
    {
        Files.write(dir.resolve(FAILURES), failures);
        final StringBuilder sb = new StringBuilder("workload\tcase\tmeasure\tvalue\n");
        for (final Row row : rows)
        {
            sb.append(row.key()).append('\t').append(String.format(Locale.ROOT, "%.3f", row.value())).append('\n');
        }
        Files.writeString(dir.resolve(FILE), sb.toString());
    }

    static List<String> readFailures(final Path dir) throws IOException
    {
        final Path file = dir.resolve(FAILURES);
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    static List<Row> read(final Path file) throws IOException
    {
        final List<Row> rows = new ArrayList<>();
        if (!Files.exists(file))
        {
            return rows;
        }
        final List<String> lines = Files.readAllLines(file);
        for (final String line : lines.subList(Math.min(1, lines.size()), lines.size()))
        {
            final String[] f = line.split("\t");
            if (f.length == 4)
            {
                rows.add(new Row(f[0], f[1], f[2], Double.parseDouble(f[3])));
            }
        }
        return rows;
    }
}
