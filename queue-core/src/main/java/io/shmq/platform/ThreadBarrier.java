package io.shmq.platform;

/**
 * A memory barrier on every thread of this process at once, paid by the caller alone: the heavy half of an
 * asymmetric Dekker handshake, whose light half (a hot path) then needs no fence of its own.
 *
 * <p>After {@link #serializeAll()} returns, every store another thread issued before some point during the call
 * is visible to the caller, and every load that thread issues after that point sees the stores the caller made
 * before the call. Core ships {@link SafepointBarrier}, which asks the JVM to bring every thread to a safepoint;
 * queue-native supplies one on {@code membarrier(2)}, microseconds instead of a safepoint's fraction of a
 * millisecond, found through {@link java.util.ServiceLoader} by {@link ThreadBarriers#platformDefault()}.
 */
public interface ThreadBarrier
{
    /**
     * Makes every thread of this process execute a full memory barrier before this returns.
     */
    void serializeAll();
}
