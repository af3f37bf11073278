package io.shmq.nativeio;

import io.shmq.wait.WaitList;
import io.shmq.wait.Waiter;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A {@link Waiter} on Linux futexes: a sleeper blocks in {@code FUTEX_WAIT} on the word in shared memory (the
 * shared, not {@code _PRIVATE}, operation, so it works across processes and on any mapping: tmpfs file or SysV
 * segment) and a waker's {@code FUTEX_WAKE} makes it runnable within microseconds.
 *
 * <p>Memory ordering without a fence on the producers' path: every process that loads this class registers for
 * {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)}, and a sleeper issues that barrier after announcing itself,
 * before it re-checks the ring. The barrier makes every running registered thread pass a full fence, which pairs
 * with a waker's plain store-then-load (the asymmetric Dekker pattern). When the kernel refuses membarrier, wakers
 * fence instead ({@link #wakerNeedsFence()}).
 *
 * <p>Found by {@link io.shmq.wait.Waiters#platformDefault()} through {@code META-INF/services}.
 */
public final class FutexWaiter implements Waiter
{
    private static final boolean MEMBARRIER = registerMembarrier();

    private static volatile boolean waitvWorks = true;

    private final ThreadLocal<UnsafeBuffer> timespec =
        ThreadLocal.withInitial(() -> new UnsafeBuffer(ByteBuffer.allocateDirect(16)));
    private final ThreadLocal<UnsafeBuffer> waitv =
        ThreadLocal.withInitial(() -> new UnsafeBuffer(
            ByteBuffer.allocateDirect(LibC.FUTEX_WAITV_MAX * LibC.FUTEX_WAITV_LENGTH + 16)));

    /**
     * The futex waiter; loads the C library binding on first use.
     */
    public FutexWaiter()
    {
    }

    /**
     * Whether this process uses membarrier (so producers need no fence).
     *
     * @return true when {@code MEMBARRIER_CMD_GLOBAL_EXPEDITED} is registered.
     */
    public static boolean usesMembarrier()
    {
        return MEMBARRIER;
    }

    /**
     * A futex on a shared mapping wakes sleepers in every process that maps it.
     *
     * @return true.
     */
    @Override
    public boolean wakesAcrossProcesses()
    {
        return true;
    }

    /**
     * Wakers need no fence when this kernel offers {@code membarrier}: sleepers then issue it instead.
     *
     * @return false with {@code membarrier}, true without.
     */
    @Override
    public boolean wakerNeedsFence()
    {
        return !MEMBARRIER;
    }

    /**
     * Issues {@code membarrier(GLOBAL_EXPEDITED)} (when available; wakers fence otherwise), so that every store
     * a waker made before reading the waiter count is visible to the re-check, or the waker sees this sleeper.
     */
    @Override
    public void barrierBeforeRecheck()
    {
        VarHandle.fullFence();
        if (MEMBARRIER)
        {
            LibC.syscall(LibC.SYS_MEMBARRIER, LibC.MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0, 0, 0, 0);
        }
    }

    /**
     * Sleeps in {@code FUTEX_WAIT} while the word still holds {@code expected}, at most {@code timeoutNanos}
     * (spurious returns are possible: the caller re-checks its condition).
     *
     * @param buffer       off-heap buffer in shared memory.
     * @param offset       offset of a 4-byte aligned int.
     * @param expected     the value seen before deciding to sleep.
     * @param timeoutNanos the longest sleep.
     */
    @Override
    public void await(final AtomicBuffer buffer, final int offset, final int expected, final long timeoutNanos)
    {
        final long address = address(buffer, offset);
        final UnsafeBuffer time = timespec.get();
        final long nanos = Math.max(0, timeoutNanos);
        time.putLong(0, nanos / 1_000_000_000L);
        time.putLong(8, nanos % 1_000_000_000L);
        // EAGAIN (word already moved), ETIMEDOUT and EINTR all mean "go and re-check": nothing to report.
        LibC.syscall(LibC.SYS_FUTEX, address, LibC.FUTEX_WAIT, expected & 0xFFFF_FFFFL, time.addressOffset(), 0, 0);
    }

    /**
     * Sleeps in one {@code futex_waitv} on every word of {@code words} (at most 128), until any is woken or no
     * longer holds its value, or the timeout; on a kernel without it (before 5.16), as {@link Waiter#awaitAny}'s
     * default does.
     *
     * @param words        the words and their values.
     * @param timeoutNanos the longest sleep.
     */
    @Override
    public void awaitAny(final WaitList words, final long timeoutNanos)
    {
        final int count = words.size();
        if (count == 1 || count > LibC.FUTEX_WAITV_MAX || !waitvWorks)
        {
            Waiter.super.awaitAny(words, timeoutNanos);
            return;
        }
        final UnsafeBuffer entries = waitv.get();
        for (int i = 0; i < count; i++)
        {
            final int at = i * LibC.FUTEX_WAITV_LENGTH;
            entries.putLong(at, words.expected(i) & 0xFFFF_FFFFL);
            entries.putLong(at + 8, address(words.buffer(i), words.offset(i)));
            entries.putInt(at + 16, LibC.FUTEX2_SIZE_U32);
            entries.putInt(at + 20, 0);
        }
        // The timeout is absolute on CLOCK_MONOTONIC, which is what System.nanoTime reads on Linux.
        final int timeAt = LibC.FUTEX_WAITV_MAX * LibC.FUTEX_WAITV_LENGTH;
        final long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        entries.putLong(timeAt, deadline / 1_000_000_000L);
        entries.putLong(timeAt + 8, deadline % 1_000_000_000L);
        final long result = LibC.syscall(LibC.SYS_FUTEX_WAITV, entries.addressOffset(), count, 0,
            entries.addressOffset() + timeAt, LibC.CLOCK_MONOTONIC, 0);
        // EAGAIN (a word moved), ETIMEDOUT and EINTR mean "go and re-check"; only a missing call changes course.
        if (result < 0 && LibC.errno() == LibC.ENOSYS)
        {
            waitvWorks = false;
            Waiter.super.awaitAny(words, timeoutNanos);
        }
    }

    /**
     * Wakes every sleeper on the word with {@code FUTEX_WAKE}.
     *
     * @param buffer off-heap buffer in shared memory.
     * @param offset offset of a 4-byte aligned int.
     */
    @Override
    public void wakeAll(final AtomicBuffer buffer, final int offset)
    {
        LibC.syscall(LibC.SYS_FUTEX, address(buffer, offset), LibC.FUTEX_WAKE, Integer.MAX_VALUE, 0, 0, 0);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "FutexWaiter(" + (MEMBARRIER ? "membarrier" : "fenced wakers") + ")";
    }

    private static long address(final AtomicBuffer buffer, final int offset)
    {
        if (buffer.byteArray() != null)
        {
            throw new IllegalArgumentException("a futex word must live in off-heap shared memory, not a Java array");
        }
        final long address = buffer.addressOffset() + offset;
        if ((address & 3) != 0)
        {
            throw new IllegalArgumentException("a futex word must be 4-byte aligned: address 0x" +
                Long.toHexString(address));
        }
        return address;
    }

    private static boolean registerMembarrier()
    {
        final long supported = LibC.syscall(LibC.SYS_MEMBARRIER, LibC.MEMBARRIER_CMD_QUERY, 0, 0, 0, 0, 0);
        if (supported < 0 || (supported & LibC.MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0 ||
            (supported & LibC.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0)
        {
            return false;
        }
        return LibC.syscall(LibC.SYS_MEMBARRIER, LibC.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0, 0, 0, 0) == 0;
    }
}
