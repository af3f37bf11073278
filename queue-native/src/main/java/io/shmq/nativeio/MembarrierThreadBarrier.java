package io.shmq.nativeio;

import io.shmq.platform.ThreadBarrier;

/**
 * The {@link ThreadBarrier} on {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)}: the kernel interrupts every
 * CPU that runs a thread of this process and makes it execute a full barrier (a thread not running fences when
 * it is switched in). A few microseconds, against a safepoint's tens to hundreds, so closes stay cheap where
 * there are many of them (a server's connections). Registered once per process.
 */
public final class MembarrierThreadBarrier implements ThreadBarrier
{
    /**
     * The service provider: registers this process for private expedited barriers.
     *
     * @throws UnsupportedOperationException when this kernel does not offer them (the service loader then
     *                                       skips this provider, and core falls back to a safepoint).
     */
    public MembarrierThreadBarrier()
    {
        final long supported = LibC.syscall(LibC.SYS_MEMBARRIER, LibC.MEMBARRIER_CMD_QUERY, 0, 0, 0, 0, 0);
        if (supported < 0 || (supported & LibC.MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 ||
            LibC.syscall(LibC.SYS_MEMBARRIER, LibC.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) != 0)
        {
            throw new UnsupportedOperationException("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is not " +
                "available on this kernel");
        }
    }

    /**
     * Makes every thread of this process execute a full memory barrier before this returns: one
     * {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)}.
     */
    @Override
    public void serializeAll()
    {
        if (LibC.syscall(LibC.SYS_MEMBARRIER, LibC.MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0) != 0)
        {
            // Registered at construction, so this cannot fail; if it ever did, a fence here would not be enough.
            throw new IllegalStateException("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed after registering");
        }
    }

    /**
     * Names the barrier, for logs and reports.
     *
     * @return {@code MembarrierThreadBarrier(private expedited)}.
     */
    @Override
    public String toString()
    {
        return "MembarrierThreadBarrier(private expedited)";
    }
}
