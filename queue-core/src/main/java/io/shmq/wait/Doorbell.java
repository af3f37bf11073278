package io.shmq.wait;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;

/**
 * A waiter count and a sequence word in shared memory: sleepers announce themselves in the count and sleep on the
 * word; the other side rings after each change and makes a system call only when the count says someone sleeps.
 *
 * <pre>
 *   sleeper                                   ringer (hot path)
 *   seq = word (volatile)                     publish change (release)
 *   count += 1 (atomic)                       [fence, only if the waiter needs it]
 *   barrierBeforeRecheck()                    if (count != 0)
 *   if (condition) done                           word += 1 (atomic); wakeAll(word)
 *   await(word == seq, timeout)
 *   count -= 1 (atomic)
 * </pre>
 *
 * <p>No lost wake-up: either the ringer's change is visible to the re-check, or the ringer sees the count and
 * moves the word, so the sleep (which compares the word with {@code seq}) returns at once. The barrier pairs with
 * the ringer's store-then-load: with a membarrier-capable waiter the ringer needs no fence at all.
 */
public final class Doorbell
{
    private final AtomicBuffer header;
    private final int waitersOffset;
    private final int wordOffset;
    private final Waiter waiter;
    private final boolean fence;
    private final Object waitersBase;
    private final long waitersAddress;

    /**
     * A doorbell over two ints of a queue header.
     *
     * @param header        the header buffer (shared memory).
     * @param waitersOffset offset of the waiter count.
     * @param wordOffset    offset of the sequence (futex) word, 4-byte aligned.
     * @param waiter        how to sleep and wake.
     */
    public Doorbell(final AtomicBuffer header, final int waitersOffset, final int wordOffset, final Waiter waiter)
    {
        this.header = header;
        this.waitersOffset = waitersOffset;
        this.wordOffset = wordOffset;
        this.waiter = waiter;
        this.fence = waiter.wakerNeedsFence();
        header.boundsCheck(waitersOffset, Integer.BYTES);
        header.boundsCheck(wordOffset, Integer.BYTES);
        // ring() runs after every commit: read the count without a bounds check per call (checked just above).
        this.waitersBase = header.byteArray();
        this.waitersAddress = header.addressOffset() + waitersOffset;
    }

    /**
     * Wakes the sleepers, if any. Call after publishing the change they wait for. Costs one load when nobody
     * sleeps.
     */
    public void ring()
    {
        if (fence)
        {
            VarHandle.fullFence();
        }
        if (UnsafeApi.getIntVolatile(waitersBase, waitersAddress) != 0)
        {
            header.getAndAddInt(wordOffset, 1);
            waiter.wakeAll(header, wordOffset);
        }
    }

    /**
     * Sleeps until {@code condition} holds, a ring, or {@code timeoutNanos} passed (whichever first; spurious
     * returns are possible).
     *
     * @param condition    re-checked after announcing, and once more before returning.
     * @param timeoutNanos the longest sleep.
     * @return the condition as last checked.
     */
    public boolean await(final WaitCondition condition, final long timeoutNanos)
    {
        final int sequence = announce();
        try
        {
            waiter.barrierBeforeRecheck();
            if (condition.isSatisfied())
            {
                return true;
            }
            waiter.await(header, wordOffset, sequence, timeoutNanos);
        }
        finally
        {
            withdraw();
        }
        return condition.isSatisfied();
    }

    /**
     * The first half of a sleep that waits on several doorbells at once (see {@link WaitList}): reads the
     * sequence word, then counts this sleeper in, so that every later ring makes a wake-up call. The caller then
     * issues {@link Waiter#barrierBeforeRecheck()} once, re-checks its conditions, sleeps on the returned sequence
     * and calls {@link #withdraw()} exactly once, however the sleep ended.
     *
     * @return the sequence to sleep on.
     */
    public int announce()
    {
        final int sequence = header.getIntVolatile(wordOffset);
        header.getAndAddInt(waitersOffset, 1);
        return sequence;
    }

    /**
     * Counts a sleeper that {@link #announce() announced} itself out again.
     */
    public void withdraw()
    {
        header.getAndAddInt(waitersOffset, -1);
    }

    /**
     * The buffer that holds the sequence word.
     *
     * @return the header buffer.
     */
    public AtomicBuffer buffer()
    {
        return header;
    }

    /**
     * Offset of the sequence (futex) word in {@link #buffer()}.
     *
     * @return a 4-byte aligned offset.
     */
    public int wordOffset()
    {
        return wordOffset;
    }

    /**
     * Forgets sleepers that died while announced (only the one owner of the sleeping role may call this, when it
     * attaches): a stale count would make every ring a system call.
     */
    public void resetWaiters()
    {
        header.putIntRelease(waitersOffset, 0);
    }

    /**
     * The waiter behind this doorbell.
     *
     * @return the waiter.
     */
    public Waiter waiter()
    {
        return waiter;
    }
}
