package io.shmq.wait;

/**
 * Something a thread can sleep on until it has work: a consumer until a message is committed.
 */
public interface Awaitable
{
    /**
     * Sleeps until there is work, a wake-up, or {@code timeoutNanos} passed; spurious returns are possible.
     *
     * @param timeoutNanos the longest sleep.
     * @return true when there is work.
     */
    boolean await(long timeoutNanos);
}
