package io.shmq.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The grid of a {@code --sweep} run: one-way throughput over message sizes, ring capacities, receiver kinds and
 * core placements, every system that makes sense at each point measured beside the others in the same round.
 *
 * <p>Full grid (about 15 minutes): payloads 32 B to 64 KiB; rings of 64 KiB, 1 MiB, 8 MiB and 64 MiB pinned one
 * side per core, 1 MiB and 8 MiB left to the scheduler; both receiver kinds. shmq SPSC and MPSC (one producer),
 * Agrona's one-to-one and many-to-one rings and Aeron IPC at every point; shmq on huge pages at 8 MiB and a Unix
 * domain socket at 1 MiB (neither changes with the ring). Quick grid (about 2 minutes): five sizes, 1 MiB pinned,
 * both receivers. A payload must fit the ring's largest message (an eighth of the capacity, less a header).
 */
final class Sweep
{
    private static final int[] FULL_SIZES = { 32, 128, 256, 512, 1024, 4096, 16384, 65536 };
    private static final int[] QUICK_SIZES = { 32, 256, 1024, 4096, 65536 };
    private static final int[] PINNED_CAPACITIES = { 64 << 10, 1 << 20, 8 << 20, 64 << 20 };
    private static final int[] FREE_CAPACITIES = { 1 << 20, 8 << 20 };
    private static final BenchSystem[] AT_EVERY_POINT = {
        BenchSystem.SHMQ_SPSC, BenchSystem.AGRONA_O2O, BenchSystem.AERON_IPC, BenchSystem.SHMQ_MPSC,
        BenchSystem.AGRONA_M2O };

    private final boolean quick;

    /**
     * One point of the grid. Its scenario name, {@code sweep-SIZE-CAPACITY-RECEIVER-pinned|free}, is how runs are
     * grouped in the report.
     *
     * @param size     payload bytes.
     * @param capacity ring data capacity in bytes.
     * @param receiver what the receiver reads.
     * @param pinned   sender on CPU 0 and receiver on CPU 1, or both left to the scheduler.
     */
    record Point(int size, int capacity, ReceiverKind receiver, boolean pinned)
    {
        String scenario()
        {
            return String.format(Locale.ROOT, "sweep-%d-%d-%s-%s", size, capacity, receiver.label(),
                pinned ? "pinned" : "free");
        }

        static Point parse(final String scenario)
        {
            final String[] parts = scenario.split("-");
            return new Point(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                ReceiverKind.valueOf(parts[3].toUpperCase(Locale.ROOT)), parts[4].equals("pinned"));
        }

        /**
         * The configuration this point belongs to, without its size: one table and one curve of the report.
         */
        String configuration()
        {
            return String.format(Locale.ROOT, "%s ring, %s receiver, %s", capacityName(capacity), receiver.label(),
                pinned ? "pinned" : "unpinned");
        }
    }

    Sweep(final boolean quick)
    {
        this.quick = quick;
    }

    static int rounds(final boolean quick)
    {
        return quick ? 1 : 2;
    }

    boolean quick()
    {
        return quick;
    }

    /**
     * Every point of the grid, in the order a round runs them.
     */
    List<Point> points()
    {
        final List<Point> points = new ArrayList<>();
        for (final boolean pinned : quick ? new boolean[]{ true } : new boolean[]{ true, false })
        {
            final int[] capacities = quick ? new int[]{ 1 << 20 } : pinned ? PINNED_CAPACITIES : FREE_CAPACITIES;
            for (final int capacity : capacities)
            {
                for (final ReceiverKind receiver : new ReceiverKind[]{ ReceiverKind.SEQ, ReceiverKind.SUM })
                {
                    for (final int size : quick ? QUICK_SIZES : FULL_SIZES)
                    {
                        if (fits(size, capacity))
                        {
                            points.add(new Point(size, capacity, receiver, pinned));
                        }
                    }
                }
            }
        }
        return points;
    }

    /**
     * The systems measured at {@code point}.
     */
    List<BenchSystem> systemsAt(final Point point)
    {
        final List<BenchSystem> systems = new ArrayList<>(List.of(AT_EVERY_POINT));
        if (!quick && point.pinned() && point.capacity() == 8 << 20)
        {
            systems.add(BenchSystem.SHMQ_SPSC_HUGE);
        }
        if (point.pinned() && point.capacity() == 1 << 20)
        {
            systems.add(BenchSystem.UDS);
        }
        return systems;
    }

    void runRound(final BenchmarkRunner runner, final int round)
    {
        for (final Point point : points())
        {
            final List<BenchSystem> here = systemsAt(point);
            for (final BenchSystem system : runner.inOrderOf(round))
            {
                if (here.contains(system))
                {
                    runner.probed(point.scenario(), () -> runner.throughput(point.scenario(), system, round,
                        point.size(), 1, point.capacity(), point.receiver(), point.pinned()));
                }
            }
        }
    }

    static boolean fits(final int size, final int capacity)
    {
        return size <= capacity / 8 - 8;
    }

    static String capacityName(final int capacity)
    {
        return capacity >= 1 << 20 ? (capacity >> 20) + " MiB" : (capacity >> 10) + " KiB";
    }
}
