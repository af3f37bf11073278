package io.shmq.wait;

import org.agrona.concurrent.AtomicBuffer;

import java.util.concurrent.locks.LockSupport;

/**
 * Sleeping on, and waking, a 32-bit word in shared memory across processes: the primitive a {@link Doorbell} is
 * built on. Core ships {@link ParkingWaiter}, which cannot wake another process and so sleeps in short slices;
 * queue-native supplies a futex-based one that wakes a sleeper within microseconds, found through
 * {@link java.util.ServiceLoader} by {@link Waiters#platformDefault()}.
 *
 * <p>Implementations are thread-safe and allocation-free after construction.
 */
public interface Waiter
{
    /**
     * Whether {@link #wakeAll} wakes a sleeper in another process. When false, sleepers bound each sleep to a
     * short slice and re-check.
     *
     * @return true for a real cross-process wake-up.
     */
    boolean wakesAcrossProcesses();

    /**
     * Whether a waker must issue a full fence between publishing its change and reading the waiter count. False
     * when {@link #barrierBeforeRecheck()} is a heavy barrier that serialises every other process (membarrier),
     * which keeps the fence off the producers' hot path.
     *
     * @return true when wakers must fence.
     */
    boolean wakerNeedsFence();

    /**
     * Called by a sleeper after it announced itself in the waiter count and before it re-checks its condition:
     * after it returns, every store a waker made before reading the waiter count is visible, or that waker sees
     * the announcement.
     */
    void barrierBeforeRecheck();

    /**
     * Sleeps while the word at {@code offset} of {@code buffer} holds {@code expected}, for at most
     * {@code timeoutNanos}; may return early (spuriously, on a wake-up, or when the word changed).
     *
     * @param buffer       off-heap buffer in shared memory.
     * @param offset       offset of a 4-byte aligned int.
     * @param expected     the value read before announcing.
     * @param timeoutNanos the longest sleep.
     */
    void await(AtomicBuffer buffer, int offset, int expected, long timeoutNanos);

    /**
     * Wakes every sleeper on the word at {@code offset} of {@code buffer}.
     *
     * @param buffer off-heap buffer in shared memory.
     * @param offset offset of a 4-byte aligned int.
     */
    void wakeAll(AtomicBuffer buffer, int offset);

    /**
     * Sleeps while every word of {@code words} holds its expected value, for at most {@code timeoutNanos}; may
     * return early (spuriously, on a wake-up of any word, or when one changed). The default sleeps on the one word
     * when there is one, else for at most {@link ParkingWaiter#SLICE_NANOS} (a waiter that can sleep on several
     * words at once overrides it).
     *
     * @param words        the words and their values; not changed.
     * @param timeoutNanos the longest sleep.
     */
    default void awaitAny(final WaitList words, final long timeoutNanos)
    {
        if (words.size() == 1)
        {
            await(words.buffer(0), words.offset(0), words.expected(0), timeoutNanos);
        }
        else if (!words.anyMoved())
        {
            LockSupport.parkNanos(Math.min(timeoutNanos, ParkingWaiter.SLICE_NANOS));
        }
    }
}
