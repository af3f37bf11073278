package io.shmq.wait;

import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The waiter of a JVM without queue-native: it cannot wake another process, so a sleeper parks in slices of at
 * most {@link #SLICE_NANOS} and re-checks. An idle side wakes about a thousand times a second (well under 1% of a
 * core) and notices new work within about a slice.
 */
public final class ParkingWaiter implements Waiter
{
    /** The longest single park. */
    public static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** The one instance. */
    public static final ParkingWaiter INSTANCE = new ParkingWaiter();

    private ParkingWaiter()
    {
    }

    /**
     * {@inheritDoc}
     */
    public boolean wakesAcrossProcesses()
    {
        return false;
    }

    /**
     * {@inheritDoc}
     */
    public boolean wakerNeedsFence()
    {
        return false;
    }

    /**
     * {@inheritDoc}
     */
    public void barrierBeforeRecheck()
    {
        VarHandle.fullFence();
    }

    /**
     * {@inheritDoc}
     */
    public void await(final AtomicBuffer buffer, final int offset, final int expected, final long timeoutNanos)
    {
        if (buffer.getIntVolatile(offset) == expected)
        {
            LockSupport.parkNanos(Math.min(timeoutNanos, SLICE_NANOS));
        }
    }

    /**
     * {@inheritDoc}
     */
    public void wakeAll(final AtomicBuffer buffer, final int offset)
    {
        // Nobody can be woken from here: sleepers re-check every slice.
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "ParkingWaiter(slice=" + SLICE_NANOS + "ns)";
    }
}
