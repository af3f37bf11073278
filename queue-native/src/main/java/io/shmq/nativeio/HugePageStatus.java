package io.shmq.nativeio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's pool of huge pages of one size, read from {@code /sys/kernel/mm/hugepages}: what an error message
 * needs to say how many pages to reserve.
 */
public final class HugePageStatus
{
    private final long pageSize;
    private final long total;
    private final long free;
    private final long reserved;

    private HugePageStatus(final long pageSize, final long total, final long free, final long reserved)
    {
        this.pageSize = pageSize;
        this.total = total;
        this.free = free;
        this.reserved = reserved;
    }

    /**
     * The pool of pages of {@code pageSize} bytes; all counts -1 when the host has no such pool.
     *
     * @param pageSize 2 MiB or 1 GiB.
     * @return the pool's counts.
     */
    public static HugePageStatus of(final long pageSize)
    {
        final Path dir = Path.of("/sys/kernel/mm/hugepages", "hugepages-" + (pageSize >> 10) + "kB");
        return new HugePageStatus(pageSize, read(dir.resolve("nr_hugepages")), read(dir.resolve("free_hugepages")),
            read(dir.resolve("resv_hugepages")));
    }

    /**
     * The file an administrator writes to change the pool (root only).
     *
     * @param pageSize 2 MiB or 1 GiB.
     * @return {@code /proc/sys/vm/nr_hugepages} for the default 2 MiB size, the sysfs file otherwise.
     */
    public static Path poolFile(final long pageSize)
    {
        return pageSize == (2L << 20) ? Path.of("/proc/sys/vm/nr_hugepages") :
            Path.of("/sys/kernel/mm/hugepages", "hugepages-" + (pageSize >> 10) + "kB", "nr_hugepages");
    }

    /**
     * Grows the pool so that {@code pages} pages of {@code pageSize} are available (root only); nothing if they
     * already are. The kernel may grant fewer than asked: check {@link #available()} afterwards.
     *
     * @param pageSize 2 MiB or 1 GiB.
     * @param pages    pages the caller needs available.
     * @return how many pages this call added to the pool, to give back with {@link #release}.
     * @throws IOException when the pool file cannot be written (not root).
     */
    public static long reserve(final long pageSize, final long pages) throws IOException
    {
        final HugePageStatus before = of(pageSize);
        if (before.available() >= pages)
        {
            return 0;
        }
        Files.writeString(poolFile(pageSize), Long.toString(before.total() + pages - before.available()));
        return of(pageSize).total() - before.total();
    }

    /**
     * Shrinks the pool by what {@link #reserve} added.
     *
     * @param pageSize 2 MiB or 1 GiB.
     * @param added    the value {@link #reserve} returned; nothing happens for 0.
     * @throws IOException when the pool file cannot be written.
     */
    public static void release(final long pageSize, final long added) throws IOException
    {
        if (added > 0)
        {
            Files.writeString(poolFile(pageSize), Long.toString(Math.max(0, of(pageSize).total() - added)));
        }
    }

    /**
     * Pages in the pool.
     *
     * @return {@code nr_hugepages}, or -1.
     */
    public long total()
    {
        return total;
    }

    /**
     * Pages not in use.
     *
     * @return {@code free_hugepages}, or -1.
     */
    public long free()
    {
        return free;
    }

    /**
     * Free pages already promised to segments or mappings.
     *
     * @return {@code resv_hugepages}, or -1.
     */
    public long reserved()
    {
        return reserved;
    }

    /**
     * Pages a new segment can still get.
     *
     * @return free minus reserved, at least 0.
     */
    public long available()
    {
        return Math.max(0, free - reserved);
    }

    /**
     * What to tell a user whose segment needs {@code needed} pages.
     *
     * @param needed pages the segment needs.
     * @return a sentence with the counts and the command to reserve more.
     */
    public String adviceFor(final long needed)
    {
        if (total < 0)
        {
            return "this kernel has no pool of " + (pageSize >> 10) + " kB huge pages";
        }
        final long target = total + Math.max(0, needed - available());
        return "needs " + needed + " huge page(s) of " + (pageSize >> 10) + " kB; the pool has " + total +
            " with " + available() + " available (free " + free + ", reserved " + reserved + "). Reserve more as " +
            "root: echo " + target + " > " + poolFile(pageSize) + " (or sysctl vm.nr_hugepages=" + target + ")";
    }

    private static long read(final Path file)
    {
        try
        {
            return Long.parseLong(Files.readString(file).trim());
        }
        catch (final IOException | NumberFormatException ex)
        {
            return -1;
        }
    }
}
