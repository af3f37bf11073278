package io.shmq.bench.harness;

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
import java.util.Map;

/**
 * Draws latency percentile distributions of several systems in one PNG: percentile on a log "nines" axis (50 %,
 * 90 %, 99 %, ...), latency on a log axis, one line per system.
 */
final class PercentilePlot
{
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 680;
    private static final int LEFT = 90;
    private static final int RIGHT = 330;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final int MAX_NINES = 5; // 99.999 %
    private static final String[] NINES_LABELS = { "0%", "90%", "99%", "99.9%", "99.99%", "99.999%" };
    private static final Color[] COLORS = {
        new Color(0xD62728), new Color(0xFF7F0E), new Color(0x8C564B), new Color(0xE377C2), new Color(0x1F77B4),
        new Color(0x17BECF), new Color(0x2CA02C), new Color(0x9467BD), new Color(0x7F7F7F), new Color(0xBCBD22),
        new Color(0x000000), new Color(0x393B79) };

    private PercentilePlot()
    {
    }

    static void write(final String title, final Map<String, Histogram> histograms, final Path file) throws IOException
    {
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        double minMicros = Double.MAX_VALUE;
        double maxMicros = 0;
        for (final Histogram histogram : histograms.values())
        {
            minMicros = Math.min(minMicros, Math.max(0.01, histogram.getValueAtPercentile(0) / 1000.0));
            maxMicros = Math.max(maxMicros, histogram.getMaxValue() / 1000.0);
        }
        final double lowDecade = Math.floor(Math.log10(minMicros));
        final double highDecade = Math.ceil(Math.log10(Math.max(maxMicros, minMicros * 10)));
        final int plotWidth = WIDTH - LEFT - RIGHT;
        final int plotHeight = HEIGHT - TOP - BOTTOM;

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 35);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));

        // Grid and axes.
        g.setStroke(new BasicStroke(1f));
        for (int nines = 0; nines <= MAX_NINES; nines++)
        {
            final int x = LEFT + plotWidth * nines / MAX_NINES;
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(x, TOP, x, TOP + plotHeight);
            g.setColor(Color.BLACK);
            final String label = NINES_LABELS[nines];
            g.drawString(label, x - 15, TOP + plotHeight + 20);
        }
        for (double decade = lowDecade; decade <= highDecade; decade++)
        {
            final int y = TOP + plotHeight - (int)(plotHeight * (decade - lowDecade) / (highDecade - lowDecade));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(LEFT, y, LEFT + plotWidth, y);
            g.setColor(Color.BLACK);
            final double micros = Math.pow(10, decade);
            g.drawString(micros >= 1 ? String.format("%.0f us", micros) : String.format("%.0f ns", micros * 1000),
                10, y + 5);
        }
        g.drawRect(LEFT, TOP, plotWidth, plotHeight);
        g.drawString("percentile", LEFT + plotWidth / 2 - 30, HEIGHT - 25);
        g.drawString("round-trip latency (log)", 10, TOP - 10);

        int index = 0;
        for (final Map.Entry<String, Histogram> entry : histograms.entrySet())
        {
            final Color color = COLORS[index % COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(2.2f));
            int previousX = -1;
            int previousY = -1;
            for (int step = 0; step <= 500; step++)
            {
                final double nines = MAX_NINES * step / 500.0;
                final double percentile = 100.0 - 100.0 / Math.pow(10, nines);
                final double micros = Math.max(minMicros, entry.getValue().getValueAtPercentile(percentile) / 1000.0);
                final int x = LEFT + (int)(plotWidth * nines / MAX_NINES);
                final int y = TOP + plotHeight -
                    (int)(plotHeight * (Math.log10(micros) - lowDecade) / (highDecade - lowDecade));
                if (previousX >= 0)
                {
                    g.drawLine(previousX, previousY, x, y);
                }
                previousX = x;
                previousY = y;
            }
            final int legendY = TOP + 10 + index * 22;
            g.fillRect(LEFT + plotWidth + 20, legendY - 8, 18, 4);
            g.setColor(Color.BLACK);
            g.drawString(entry.getKey(), LEFT + plotWidth + 45, legendY);
            index++;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }
}
