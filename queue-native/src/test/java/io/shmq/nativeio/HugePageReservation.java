package io.shmq.nativeio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Makes sure a number of 2 MiB huge pages are available for a test, reserving them as root when needed and
 * giving back exactly what it added on {@link #close()}. When pages cannot be had the test is skipped with the
 * reason, or fails if {@code SHMQ_REQUIRE_HUGEPAGES=1} (as in CI).
 */
final class HugePageReservation implements AutoCloseable
{
    private static final long PAGE = 2L << 20;
    private static final Path POOL = HugePageStatus.poolFile(PAGE);

    private final long added;

    private HugePageReservation(final long added)
    {
        this.added = added;
    }

    /**
     * Ensures {@code pages} huge pages are available.
     *
     * @param pages how many the test needs.
     * @return the reservation, to close after the test.
     */
    static HugePageReservation ensure(final long pages)
    {
        final HugePageStatus before = HugePageStatus.of(PAGE);
        if (before.available() >= pages)
        {
            return new HugePageReservation(0);
        }
        final long missing = pages - before.available();
        final long target = before.total() + missing;
        try
        {
            Files.writeString(POOL, Long.toString(target));
        }
        catch (final IOException ex)
        {
            unavailable("cannot write " + POOL + " (" + ex + "): run as root or reserve " + pages +
                " pages first");
        }
        final HugePageStatus after = HugePageStatus.of(PAGE);
        final HugePageReservation reservation = new HugePageReservation(after.total() - before.total());
        if (after.available() < pages)
        {
            reservation.close();
            unavailable("the kernel granted " + after.total() + " of " + target + " huge pages (memory too " +
                "fragmented?)");
        }
        return reservation;
    }

    /**
     * Sets the pool to exactly {@code total} pages (root only), returning the previous total.
     *
     * @param total pages wanted in the pool.
     * @return the previous total.
     */
    static long setPool(final long total)
    {
        final long previous = HugePageStatus.of(PAGE).total();
        try
        {
            Files.writeString(POOL, Long.toString(total));
        }
        catch (final IOException ex)
        {
            unavailable("cannot write " + POOL + ": " + ex);
        }
        return previous;
    }

    static boolean required()
    {
        return "1".equals(System.getenv("SHMQ_REQUIRE_HUGEPAGES"));
    }

    private static void unavailable(final String reason)
    {
        if (required())
        {
            fail("huge pages required (SHMQ_REQUIRE_HUGEPAGES=1) but " + reason);
        }
        assumeTrue(false, "huge pages unavailable: " + reason);
    }

    @Override
    public void close()
    {
        if (added > 0)
        {
            try
            {
                final long total = HugePageStatus.of(PAGE).total();
                Files.writeString(POOL, Long.toString(Math.max(0, total - added)));
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot give back " + added + " huge pages: " + ex, ex);
            }
        }
    }
}
