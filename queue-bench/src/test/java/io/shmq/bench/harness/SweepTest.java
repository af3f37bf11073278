package io.shmq.bench.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweep's grid: every point fits its ring, survives the trip through its scenario name, and measures the
 * peers it is compared with; and the plot it draws is a readable PNG.
 */
class SweepTest
{
    @Test
    void everyPointFitsItsRingAndRoundTripsThroughItsScenarioName()
    {
        for (final boolean quick : new boolean[]{ true, false })
        {
            final Sweep sweep = new Sweep(quick);
            assertFalse(sweep.points().isEmpty());
            for (final Sweep.Point point : sweep.points())
            {
                assertTrue(point.size() <= point.capacity() / 8 - 8, point + " must fit the ring's largest message");
                assertEquals(point, Sweep.Point.parse(point.scenario()));
                assertTrue(sweep.systemsAt(point).containsAll(List.of(BenchSystem.SHMQ_SPSC, BenchSystem.AGRONA_O2O,
                    BenchSystem.AERON_IPC, BenchSystem.SHMQ_MPSC, BenchSystem.AGRONA_M2O)), point.toString());
            }
        }
    }

    @Test
    void fullGridCoversEverySizeRingReceiverAndPlacement()
    {
        final List<Sweep.Point> points = new Sweep(false).points();
        assertEquals(List.of(32, 128, 256, 512, 1024, 4096, 16384, 65536),
            points.stream().map(Sweep.Point::size).distinct().sorted().toList());
        assertEquals(List.of(64 << 10, 1 << 20, 8 << 20, 64 << 20),
            points.stream().map(Sweep.Point::capacity).distinct().sorted().toList());
        assertEquals(2, points.stream().map(Sweep.Point::receiver).distinct().count());
        assertEquals(2, points.stream().map(Sweep.Point::pinned).distinct().count());
        assertFalse(points.contains(new Sweep.Point(16384, 64 << 10, ReceiverKind.SEQ, true)),
            "16 KiB does not fit a 64 KiB ring (largest message 8 KiB - 8)");
    }

    @Test
    void plotIsAPngWithAPanelPerPhase(@TempDir final Path directory) throws Exception
    {
        final SortedMap<Integer, Double> line = new TreeMap<>(Map.of(32, 5e7, 1024, 2e7, 65536, 6e5));
        final Map<String, Map<String, SortedMap<Integer, Double>>> panels = new LinkedHashMap<>();
        panels.put("Fast phase", Map.of("shmq SPSC", line));
        panels.put("Slow phase", Map.of());
        final Path png = directory.resolve("plot.png");
        ThroughputPlot.write("test", panels, List.of("shmq SPSC"), png);
        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertTrue(image.getWidth() > image.getHeight(), "two panels side by side");
    }
}
