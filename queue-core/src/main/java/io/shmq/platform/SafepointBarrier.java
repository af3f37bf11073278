package io.shmq.platform;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The {@link ThreadBarrier} of a JVM without native access: a dump of every thread's top frame, which HotSpot
 * takes at a safepoint (or a handshake with each thread). A thread running Java code stops at a safepoint poll
 * and a thread leaving native code or a blocked state passes one; either crossing is a full fence of that thread,
 * and the dump returns only after every thread crossed one. Costs a safepoint: tens to hundreds of microseconds,
 * which is why only closes use it.
 *
 * <p>A dump of depth 0 would skip the safepoint (the JVM knows it needs no stacks), so the depth is 1. Without
 * the {@code java.management} module (a trimmed runtime) {@link Thread#getAllStackTraces()} does the same at the
 * cost of whole stacks.
 */
public final class SafepointBarrier implements ThreadBarrier
{
    /** The one instance. */
    public static final SafepointBarrier INSTANCE = new SafepointBarrier();

    private final ThreadMXBean threads = threadBean();

    private SafepointBarrier()
    {
    }

    /**
     * {@inheritDoc}
     */
    public void serializeAll()
    {
        if (threads != null)
        {
            threads.dumpAllThreads(false, false, 1);
        }
        else
        {
            Thread.getAllStackTraces();
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "SafepointBarrier(" + (threads != null ? "thread dump of depth 1" : "all stack traces") + ")";
    }

    private static ThreadMXBean threadBean()
    {
        try
        {
            return ManagementFactory.getThreadMXBean();
        }
        catch (final LinkageError | RuntimeException ex)
        {
            return null;
        }
    }
}
