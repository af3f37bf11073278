package io.shmq.netty;

import io.shmq.wait.Doorbell;
import io.shmq.wait.WaitList;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The words an event loop sleeps on in one sleep, the doorbells it announced itself on (to withdraw from after),
 * and the longest the sleep may last.
 *
 * <p>The doorbells lie in the channels' mapped memory. A handle that unmaps memory while the loop may be announced
 * (its {@code processIo} runs as the re-check of a sleep, and a handler may close it there) calls
 * {@link #withdrawAll()} first: a withdraw after the unmap would write to memory that is gone and kill the JVM. The
 * loop then skips that sleep ({@link #isWithdrawn()}).
 */
final class ShmqWaitSet
{
    /** How long a sleep may last when a word could not be added: the watch falls back to polling. */
    static final long UNWATCHED_SLICE_NANOS = 1_000_000L;

    private final WaitList words;
    private final Doorbell[] announced;
    private int announcedCount;
    private long boundNanos;
    private boolean withdrawn = true;

    ShmqWaitSet(final int capacity)
    {
        words = new WaitList(capacity);
        announced = new Doorbell[capacity];
    }

    void reset(final long boundNanos)
    {
        words.clear();
        announcedCount = 0;
        this.boundNanos = boundNanos;
        withdrawn = false;
    }

    void add(final AtomicBuffer buffer, final int offset, final int value)
    {
        if (!words.add(buffer, offset, value))
        {
            bound(UNWATCHED_SLICE_NANOS);
        }
    }

    /**
     * Announces the sleeper on {@code doorbell} and watches its word.
     */
    void announce(final Doorbell doorbell)
    {
        if (words.announce(doorbell))
        {
            announced[announcedCount++] = doorbell;
        }
        else
        {
            bound(UNWATCHED_SLICE_NANOS);
        }
    }

    /**
     * Limits the sleep (a handle that cannot be woken, or has a deadline).
     */
    void bound(final long nanos)
    {
        boundNanos = Math.min(boundNanos, Math.max(0, nanos));
    }

    long boundNanos()
    {
        return boundNanos;
    }

    WaitList words()
    {
        return words;
    }

    /**
     * Whether the announcements of the current sleep were withdrawn (the sleep must not happen: a handle closed).
     */
    boolean isWithdrawn()
    {
        return withdrawn;
    }

    /**
     * Withdraws from every doorbell announced since {@link #reset}; idempotent. Handles call it on the loop's
     * thread before they unmap a ring.
     */
    void withdrawAll()
    {
        withdrawn = true;
        for (int i = 0; i < announcedCount; i++)
        {
            announced[i].withdraw();
            announced[i] = null;
        }
        announcedCount = 0;
        words.clear();
    }
}
