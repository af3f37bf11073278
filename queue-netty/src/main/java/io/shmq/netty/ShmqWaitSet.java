package io.shmq.netty;

import io.shmq.wait.Doorbell;
import io.shmq.wait.WaitList;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The words an event loop sleeps on in one sleep, the doorbells it announced itself on (to withdraw from after),
 * and the longest the sleep may last.
 */
final class ShmqWaitSet
{
    /** How long a sleep may last when a word could not be added: the watch falls back to polling. */
    static final long UNWATCHED_SLICE_NANOS = 1_000_000L;

    private final WaitList words;
    private final Doorbell[] announced;
    private int announcedCount;
    private long boundNanos;

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

    void withdrawAll()
    {
        for (int i = 0; i < announcedCount; i++)
        {
            announced[i].withdraw();
            announced[i] = null;
        }
        announcedCount = 0;
        words.clear();
    }
}
