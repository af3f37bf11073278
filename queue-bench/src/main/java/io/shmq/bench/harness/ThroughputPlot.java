package io.shmq.bench.harness;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Draws throughput against message size on log-log axes, one line per system, one panel per phase of the machine
 * (the two vCPUs sharing a cache or not), side by side in one PNG.
 */
final class ThroughputPlot
{
    private static final int PANEL_WIDTH = 620;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 80;
    private static final int BOTTOM = 150;
    private static final Color[] COLORS = {
        new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C), new Color(0xFF7F0E), new Color(0x9467BD),
        new Color(0x8C564B), new Color(0x17BECF), new Color(0x7F7F7F) };

    private ThroughputPlot()
    {
    }

    /**
     * Writes the plot.
     *
     * @param title   the title above both panels.
     * @param phases  panel title to (system label to (size to median msgs/s)), in panel order.
     * @param systems every system's label, in legend order (the same colour in each panel).
     * @param file    the PNG to write.
     * @throws IOException when it cannot be written.
     */
    static void write(final String title, final Map<String, Map<String, SortedMap<Integer, Double>>> phases,
        final List<String> systems, final Path file) throws IOException
    {
        final int width = PANEL_WIDTH * phases.size();
        final BufferedImage image = new BufferedImage(width, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(title, 20, 30);

        int minSize = Integer.MAX_VALUE;
        int maxSize = 0;
        double minRate = Double.MAX_VALUE;
        double maxRate = 0;
        for (final Map<String, SortedMap<Integer, Double>> panel : phases.values())
        {
            for (final SortedMap<Integer, Double> line : panel.values())
            {
                for (final Map.Entry<Integer, Double> point : line.entrySet())
                {
                    minSize = Math.min(minSize, point.getKey());
                    maxSize = Math.max(maxSize, point.getKey());
                    minRate = Math.min(minRate, point.getValue());
                    maxRate = Math.max(maxRate, point.getValue());
                }
            }
        }
        if (maxSize == 0)
        {
            minSize = 32;
            maxSize = 65536;
            minRate = 1e4;
            maxRate = 1e8;
        }
        final double lowSize = log2(minSize);
        final double highSize = Math.max(log2(maxSize), lowSize + 1);
        final double lowDecade = Math.floor(Math.log10(minRate));
        final double highDecade = Math.max(Math.ceil(Math.log10(maxRate)), lowDecade + 1);

        int panelIndex = 0;
        for (final Map.Entry<String, Map<String, SortedMap<Integer, Double>>> panel : phases.entrySet())
        {
            final int x0 = panelIndex * PANEL_WIDTH + LEFT;
            final int plotWidth = PANEL_WIDTH - LEFT - RIGHT;
            final int plotHeight = HEIGHT - TOP - BOTTOM;
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.setColor(Color.BLACK);
            g.drawString(panel.getKey(), x0, TOP - 25);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setStroke(new BasicStroke(1f));
            for (int exponent = (int)lowSize; exponent <= (int)highSize; exponent++)
            {
                final int x = x0 + (int)(plotWidth * (exponent - lowSize) / (highSize - lowSize));
                g.setColor(new Color(0xE4E4E4));
                g.drawLine(x, TOP, x, TOP + plotHeight);
                if ((exponent & 1) == 1 || exponent == (int)lowSize)
                {
                    g.setColor(Color.BLACK);
                    final int bytes = 1 << exponent;
                    g.drawString(Report.sizeName(bytes), x - 14, TOP + plotHeight + 18);
                }
            }
            for (double decade = lowDecade; decade <= highDecade; decade++)
            {
                final int y = TOP + plotHeight - (int)(plotHeight * (decade - lowDecade) / (highDecade - lowDecade));
                g.setColor(new Color(0xE4E4E4));
                g.drawLine(x0, y, x0 + plotWidth, y);
                g.setColor(Color.BLACK);
                final double rate = Math.pow(10, decade);
                g.drawString(rate >= 1e6 ? Report.fmt("%.0f M", rate / 1e6) : Report.fmt("%.0f k", rate / 1e3),
                    x0 - 50, y + 5);
            }
            g.setColor(Color.BLACK);
            g.drawRect(x0, TOP, plotWidth, plotHeight);
            g.drawString("message size (log)", x0 + plotWidth / 2 - 50, TOP + plotHeight + 38);
            g.drawString("messages/s (log)", x0 - 70, TOP - 8);
            if (panel.getValue().isEmpty())
            {
                g.drawString("no run in this phase", x0 + plotWidth / 2 - 60, TOP + plotHeight / 2);
            }
            for (int s = 0; s < systems.size(); s++)
            {
                final SortedMap<Integer, Double> line = panel.getValue().get(systems.get(s));
                if (line == null)
                {
                    continue;
                }
                g.setColor(COLORS[s % COLORS.length]);
                g.setStroke(new BasicStroke(2.2f));
                int previousX = -1;
                int previousY = -1;
                for (final Map.Entry<Integer, Double> point : line.entrySet())
                {
                    final int x = x0 + (int)(plotWidth * (log2(point.getKey()) - lowSize) / (highSize - lowSize));
                    final int y = TOP + plotHeight - (int)(plotHeight * (Math.log10(point.getValue()) - lowDecade) /
                        (highDecade - lowDecade));
                    g.fillOval(x - 4, y - 4, 8, 8);
                    if (previousX >= 0)
                    {
                        g.drawLine(previousX, previousY, x, y);
                    }
                    previousX = x;
                    previousY = y;
                }
            }
            panelIndex++;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int s = 0; s < systems.size(); s++)
        {
            final int x = 20 + (s % 3) * 330;
            final int y = HEIGHT - 60 + (s / 3) * 22;
            g.setColor(COLORS[s % COLORS.length]);
            g.fillRect(x, y - 6, 22, 5);
            g.setColor(Color.BLACK);
            g.drawString(systems.get(s), x + 30, y);
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static double log2(final double value)
    {
        return Math.log(value) / Math.log(2);
    }
}
