package io.shmq.bridge;

import java.util.concurrent.TimeUnit;

/**
 * The frames a bridge half discarded: anyone who can send a datagram to a bridge's port can send it anything, so a
 * frame that is malformed, or that could not have come from the half's peer, is counted and dropped, never taken
 * for the peer's and never a reason to stop. The count goes into the half's state file (the {@code shmq} tool
 * shows it); the log gets at most one line per interval, through {@link System.Logger}, so that a flood of
 * forged frames cannot flood the log as well.
 *
 * <p>Callers pass a constant reason and one number: a rejection allocates nothing until it is logged.
 */
final class RejectedFrames
{
    private static final System.Logger LOG = System.getLogger("io.shmq.bridge");
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String half;
    private final BridgeState state;
    private long count;
    private long countLogged;
    private long loggedNanos;
    private boolean everLogged;

    /**
     * @param half  which half counts, for the log: {@code "the receiver of queue 'orders'"}.
     * @param state where the count goes.
     */
    RejectedFrames(final String half, final BridgeState state)
    {
        this.half = half;
        this.state = state;
    }

    /**
     * Counts a rejected frame, and logs it when no line was logged for the interval.
     *
     * @param reason what was wrong with it, a constant.
     * @param value  the number that was wrong (a length, a count, a type).
     */
    void reject(final String reason, final long value)
    {
        count++;
        state.rejectedFrames(count);
        final long now = System.nanoTime();
        if (!everLogged || now - loggedNanos >= LOG_INTERVAL_NANOS)
        {
            LOG.log(System.Logger.Level.WARNING, "{0} discarded {1} frame(s) since its last report, {2} in all; " +
                "the last: {3} ({4}). A bridge port reachable by others takes whatever they send: see docs/bridge.md",
                half, count - countLogged, count, reason, value);
            everLogged = true;
            loggedNanos = now;
            countLogged = count;
        }
    }

    /**
     * Frames rejected since this half started.
     *
     * @return the count.
     */
    long count()
    {
        return count;
    }
}
