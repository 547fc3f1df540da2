package io.tributary.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison section of {@code docs/benchmarks.md}: tables with each figure for both systems and their ratio,
 * and the splice that replaces only that section on a rerun. Pure functions of the results, so they are unit tested.
 */
final class Report
{
    static final String BEGIN =
        "<!-- compare-kafka: begin (written by ops/bench/compare-kafka.sh; edits here are lost) -->";
    static final String END = "<!-- compare-kafka: end -->";
    static final String HEADING = "## Against Kafka";

    private Report()
    {
    }

    /**
     * A markdown table of every figure either system has, in the order first seen (Kafka's rows, then any only
     * Tributary has).
     */
    static String table(final List<Results.Row> kafka, final List<Results.Row> tributary)
    {
        final Map<String, Results.Row[]> byKey = new LinkedHashMap<>();
        for (final Results.Row row : kafka)
        {
            byKey.computeIfAbsent(row.key(), k -> new Results.Row[2])[0] = row;
        }
        for (final Results.Row row : tributary)
        {
            byKey.computeIfAbsent(row.key(), k -> new Results.Row[2])[1] = row;
        }
        final StringBuilder sb = new StringBuilder()
            .append("| workload | case | measure | Kafka | Tributary | Tributary's edge |\n")
            .append("|---|---|---|---:|---:|---:|\n");
        for (final Results.Row[] pair : byKey.values())
        {
            final Results.Row any = pair[0] != null ? pair[0] : pair[1];
            sb.append("| ").append(any.workload())
                .append(" | ").append(any.scenario())
                .append(" | ").append(any.measure())
                .append(" | ").append(pair[0] == null ? "–" : number(pair[0]))
                .append(" | ").append(pair[1] == null ? "–" : number(pair[1]))
                .append(" | ").append(pair[0] == null || pair[1] == null ? "–" : ratio(pair[0], pair[1]))
                .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * How many times better Tributary's figure is: Tributary ÷ Kafka where more is better (throughput), Kafka ÷
     * Tributary where less is better (latency). Below 1× Kafka is better.
     *
     * @return e.g. {@code 5.2×}, {@code 0.31×}, or {@code –} when a figure is zero.
     */
    static String ratio(final Results.Row kafka, final Results.Row tributary)
    {
        final double edge = edge(kafka, tributary);
        if (Double.isNaN(edge) || Double.isInfinite(edge))
        {
            return "–";
        }
        return String.format(Locale.ROOT, edge >= 10 ? "%.0f×" : edge >= 1 ? "%.1f×" : "%.2f×", edge);
    }

    static double edge(final Results.Row kafka, final Results.Row tributary)
    {
        if (kafka.value() <= 0 || tributary.value() <= 0)
        {
            return Double.NaN;
        }
        return kafka.higherIsBetter() ? tributary.value() / kafka.value() : kafka.value() / tributary.value();
    }

    /**
     * @return the value as its unit reads best: {@code 560,234} records/s, {@code 56.0} MB/s, {@code 0.96} or
     * {@code 28.2} ms, {@code 90.0 %}.
     */
    static String number(final Results.Row row)
    {
        final double v = row.value();
        if (row.measure().startsWith("%"))
        {
            return String.format(Locale.ROOT, "%.1f %%", v);
        }
        if (row.measure().endsWith("records/s"))
        {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (row.measure().endsWith(" ms"))
        {
            return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%,.1f", v);
        }
        return String.format(Locale.ROOT, "%,.1f", v);
    }

    /** One of the aims, checked against a run's figures. */
    record Aim(String text, String workload, String scenario, String measure, double edgeAtLeast)
    {
    }

    /**
     * @return a markdown list saying, per aim, the figure and whether it is met, or that it was not measured.
     */
    static String aims(final List<Aim> aims, final List<Results.Row> kafka, final List<Results.Row> tributary)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Aim aim : aims)
        {
            final String key = aim.workload() + "\t" + aim.scenario() + "\t" + aim.measure();
            final Results.Row t = find(tributary, key);
            final Results.Row k = find(kafka, key);
            sb.append("- ").append(aim.text()).append(": ");
            if (t == null || (k == null && aim.edgeAtLeast() > 0))
            {
                sb.append("not measured in this run\n");
                continue;
            }
            if (aim.edgeAtLeast() > 0)
            {
                final double edge = edge(k, t);
                sb.append(ratio(k, t)).append(edge >= aim.edgeAtLeast() ? " — **met**" : " — **not met**");
            }
            else
            {
                sb.append(number(t)).append(t.value() >= -aim.edgeAtLeast() ? " — **met**" : " — **not met**");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static Results.Row find(final List<Results.Row> rows, final String key)
    {
        for (final Results.Row row : rows)
        {
            if (row.key().equals(key))
            {
                return row;
            }
        }
        return null;
    }

    /**
     * Puts {@code section} (which starts with its own heading) in the document: between the markers if they are
     * there, else in place of the {@value #HEADING} section (up to the next {@code ## } heading), else at the end.
     */
    static String splice(final String doc, final String section)
    {
        final String block = BEGIN + "\n" + section.stripTrailing() + "\n" + END;
        final int begin = doc.indexOf(BEGIN);
        final int end = doc.indexOf(END);
        if (begin >= 0 && end > begin)
        {
            return doc.substring(0, begin) + block + doc.substring(end + END.length());
        }
        final int heading = doc.indexOf("\n" + HEADING + "\n");
        if (heading >= 0)
        {
            final int next = doc.indexOf("\n## ", heading + 1);
            return doc.substring(0, heading + 1) + block + "\n" + (next < 0 ? "" : "\n" + doc.substring(next + 1));
        }
        return doc.stripTrailing() + "\n\n" + block + "\n";
    }
}
