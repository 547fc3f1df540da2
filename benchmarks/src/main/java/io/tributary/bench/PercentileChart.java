package io.tributary.bench;

import org.HdrHistogram.Histogram;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A latency-by-percentile chart, drawn headless with Java2D: x is the percentile on the usual "number of nines"
 * scale (50, 90, 99, 99.9, 99.99), y is the latency in ms on a log scale, one line per system.
 */
final class PercentileChart
{
    static final int WIDTH = 800;
    static final int HEIGHT = 480;
    private static final double MAX_NINES = 4; // 99.99
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final Color[] COLORS = { new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C) };

    private final String title;
    private final Map<String, Histogram> series = new LinkedHashMap<>();

    PercentileChart(final String title)
    {
        this.title = title;
    }

    /**
     * @param micros latencies in microseconds.
     */
    PercentileChart add(final String name, final Histogram micros)
    {
        series.put(name, micros);
        return this;
    }

    void writePng(final Path file) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            draw(g);
        }
        finally
        {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", file.toFile()))
        {
            throw new IOException("no PNG writer");
        }
    }

    private void draw(final Graphics2D g)
    {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        double maxMs = 1;
        double minMs = Double.MAX_VALUE;
        for (final Histogram h : series.values())
        {
            if (h.getTotalCount() > 0)
            {
                maxMs = Math.max(maxMs, h.getMaxValue() / 1000.0);
                minMs = Math.min(minMs, Math.max(0.01, h.getValueAtPercentile(1) / 1000.0));
            }
        }
        final double yLow = Math.log10(minMs == Double.MAX_VALUE ? 0.1 : Math.pow(10, Math.floor(Math.log10(minMs))));
        final double yHigh = Math.ceil(Math.log10(maxMs));
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;

        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, TOP - 16);
        g.setColor(new Color(0xDDDDDD));
        for (int nines = 0; nines <= MAX_NINES; nines++)
        {
            final int x = LEFT + (int)(plotW * nines / MAX_NINES);
            g.drawLine(x, TOP, x, TOP + plotH);
        }
        for (double decade = yLow; decade <= yHigh; decade++)
        {
            final int y = TOP + plotH - (int)(plotH * (decade - yLow) / Math.max(1, yHigh - yLow));
            g.drawLine(LEFT, y, LEFT + plotW, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotW, plotH);
        final String[] xLabels = { "0%", "90%", "99%", "99.9%", "99.99%" };
        for (int nines = 0; nines <= MAX_NINES; nines++)
        {
            final int x = LEFT + (int)(plotW * nines / MAX_NINES);
            final int labelWidth = g.getFontMetrics().stringWidth(xLabels[nines]);
            g.drawString(xLabels[nines], Math.min(x - labelWidth / 2, WIDTH - labelWidth - 2), TOP + plotH + 16);
        }
        g.drawString("percentile", LEFT + plotW / 2 - 25, TOP + plotH + 36);
        for (double decade = yLow; decade <= yHigh; decade++)
        {
            final int y = TOP + plotH - (int)(plotH * (decade - yLow) / Math.max(1, yHigh - yLow));
            g.drawString(formatMs(Math.pow(10, decade)), 8, y + 4);
        }
        g.drawString("ms", 8, TOP - 4);

        int index = 0;
        for (final Map.Entry<String, Histogram> entry : series.entrySet())
        {
            final Color color = COLORS[index % COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(2f));
            final Histogram h = entry.getValue();
            if (h.getTotalCount() > 0)
            {
                int lastX = -1;
                int lastY = -1;
                for (int step = 0; step <= 400; step++)
                {
                    final double nines = MAX_NINES * step / 400.0;
                    final double percentile = 100 * (1 - Math.pow(10, -nines));
                    final double ms = Math.max(Math.pow(10, yLow), h.getValueAtPercentile(percentile) / 1000.0);
                    final int x = LEFT + (int)(plotW * nines / MAX_NINES);
                    final int y = TOP + plotH - (int)(plotH * (Math.log10(ms) - yLow) / Math.max(1, yHigh - yLow));
                    if (lastX >= 0)
                    {
                        g.drawLine(lastX, lastY, x, y);
                    }
                    lastX = x;
                    lastY = y;
                }
            }
            g.fillRect(LEFT + 12, TOP + 12 + 18 * index, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(entry.getKey(), LEFT + 32, TOP + 18 + 18 * index);
            index++;
        }
    }

    private static String formatMs(final double ms)
    {
        return ms >= 1 ? String.format(Locale.ROOT, "%,.0f", ms) : String.format(Locale.ROOT, "%.2g", ms);
    }
}
