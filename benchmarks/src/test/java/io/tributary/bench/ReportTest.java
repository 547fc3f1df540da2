package io.tributary.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest
{
    private static Results.Row row(final String measure, final double value)
    {
        return new Results.Row("produce", "100 B, 1 partition", measure, value);
    }

    @Test
    void ratioSaysHowManyTimesBetterTributaryIsWhicheverWayTheUnitPoints()
    {
        assertEquals("5.0×", Report.ratio(row("records/s", 100_000), row("records/s", 500_000)));
        assertEquals("0.50×", Report.ratio(row("records/s", 100_000), row("records/s", 50_000)));
        assertEquals("10×", Report.ratio(row("p99 ms", 20), row("p99 ms", 2)));
        assertEquals("0.25×", Report.ratio(row("p99 ms", 1), row("p99 ms", 4)));
        assertEquals("–", Report.ratio(row("p99 ms", 0), row("p99 ms", 4)));
    }

    @Test
    void numbersReadAsTheirUnit()
    {
        assertEquals("560,234", Report.number(row("records/s", 560_234.4)));
        assertEquals("56.0", Report.number(row("MB/s", 56.02)));
        assertEquals("0.96", Report.number(row("p50 ms", 0.964)));
        assertEquals("1,234.5", Report.number(row("max ms", 1234.5)));
        assertEquals("90.0 %", Report.number(row("% of producer alone", 90)));
    }

    @Test
    void tableHasBothSystemsAndADashWhereOneIsMissing()
    {
        final String table = Report.table(
            List.of(row("records/s", 100_000), row("MB/s", 10)),
            List.of(row("records/s", 300_000), new Results.Row("catch-up", "1 M", "records/s", 9)));
        final List<String> lines = table.lines().toList();
        assertEquals(5, lines.size(), table);
        assertEquals("| produce | 100 B, 1 partition | records/s | 100,000 | 300,000 | 3.0× |", lines.get(2));
        assertEquals("| produce | 100 B, 1 partition | MB/s | 10.0 | – | – |", lines.get(3));
        assertEquals("| catch-up | 1 M | records/s | – | 9 | – |", lines.get(4));
    }

    @Test
    void aimsAreCheckedAgainstTheirThreshold()
    {
        final List<Report.Aim> aims = List.of(
            new Report.Aim("5× on one partition", "produce", "100 B, 1 partition", "records/s", 5),
            new Report.Aim("keeps 90%", "fan-out", "1,000 consumers", "% of producer alone", -90));
        final String text = Report.aims(aims, List.of(row("records/s", 100)), List.of(row("records/s", 600)));
        assertEquals("- 5× on one partition: 6.0× — **met**\n- keeps 90%: not measured in this run\n", text);
    }

    @Test
    void spliceReplacesOnlyTheComparisonSection()
    {
        final String doc =
            "# Benchmarks\n\n## Machine\n\nx\n\n## Against Kafka\n\nNot measured yet.\n\n## Fan-out\n\ny\n";
        final String once = Report.splice(doc, "## Against Kafka\n\nfirst\n");
        assertTrue(once.contains("## Machine\n\nx\n"), once);
        assertTrue(once.contains(Report.BEGIN + "\n## Against Kafka\n\nfirst\n" + Report.END + "\n\n## Fan-out\n\ny\n"),
            once);
        assertTrue(!once.contains("Not measured yet"), once);

        final String twice = Report.splice(once, "## Against Kafka\n\nsecond\n");
        assertEquals(once.replace("first", "second"), twice);
    }

    @Test
    void chartIsAPngOfTheExpectedSize(@TempDir final Path dir) throws Exception
    {
        final Histogram a = new Histogram(3);
        final Histogram b = new Histogram(3);
        for (int i = 1; i <= 10_000; i++)
        {
            a.recordValue(1_000 + i);
            b.recordValue(100 + i / 10);
        }
        final Path png = dir.resolve("chart.png");
        new PercentileChart("test").add("Kafka", a).add("Tributary", b).writePng(png);

        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a readable PNG");
        assertEquals(PercentileChart.WIDTH, image.getWidth());
        assertEquals(PercentileChart.HEIGHT, image.getHeight());
    }

    @Test
    void resultsRoundTripThroughTheirFileAndHistogramLog(@TempDir final Path dir) throws Exception
    {
        final Results results = new Results(dir, new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8));
        final Histogram micros = new Histogram(3);
        micros.recordValue(1_500);
        micros.recordValue(30_000);
        results.add("produce", "100 B, 1 partition", "records/s", 1234.5);
        results.latency("e2e latency", "1,000 records/s", "", micros);
        results.write();

        final List<Results.Row> rows = Results.read(dir.resolve(Results.FILE));
        assertEquals(5, rows.size());
        assertEquals(row("records/s", 1234.5), rows.get(0));
        assertEquals(30.0, rows.get(4).value(), 0.1);
        final Path log = dir.resolve("e2e-latency-1-000-records-s.hlog");
        assertTrue(Files.exists(log));
        assertEquals(2, CompareKafka.readHistogram(log).getTotalCount());
        assertEquals("e2e latency, 1,000 records/s: end-to-end latency", CompareKafka.title(log));
    }
}
