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
        long added = 0;
        try
        {
            added = HugePageStatus.reserve(PAGE, pages);
        }
        catch (final IOException ex)
        {
            unavailable("cannot write " + POOL + " (" + ex + "): run as root or reserve " + pages +
                " pages first");
        }
        final HugePageReservation reservation = new HugePageReservation(added);
        final HugePageStatus after = HugePageStatus.of(PAGE);
        if (after.available() < pages)
        {
            reservation.close();
            unavailable("the kernel granted only " + after.available() + " of " + pages + " huge pages (memory " +
                "too fragmented?)");
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
        try
        {
            HugePageStatus.release(PAGE, added);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot give back " + added + " huge pages: " + ex, ex);
        }
    }
}
