package io.shmq.nativeio;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The C library calls shmq needs, bound by JNA direct mapping ({@link Native#register}): about 100 ns of overhead
 * a call, against microseconds for interface mapping. None of them is on a hot path: segments are created and
 * attached once, and futex calls happen only when a side sleeps or wakes a sleeper.
 *
 * <p>Errors: a call returns -1 and {@link Native#getLastError()} gives {@code errno}.
 */
final class LibC
{
    /** {@code IPC_CREAT}. */
    static final int IPC_CREAT = 01000;
    /** {@code IPC_EXCL}. */
    static final int IPC_EXCL = 02000;
    /** {@code IPC_RMID}. */
    static final int IPC_RMID = 0;
    /** {@code IPC_STAT}. */
    static final int IPC_STAT = 2;
    /** {@code SHM_HUGETLB}. */
    static final int SHM_HUGETLB = 04000;
    /** {@code SHM_HUGE_SHIFT}: the huge page size's log2 goes in the flags from this bit. */
    static final int SHM_HUGE_SHIFT = 26;
    /** {@code SHM_RDONLY} for {@code shmat}. */
    static final int SHM_RDONLY = 010000;

    /** {@code SYS_futex} on x86_64. */
    static final long SYS_FUTEX = 202;
    /** {@code SYS_membarrier} on x86_64. */
    static final long SYS_MEMBARRIER = 324;
    /** {@code FUTEX_WAIT}: shared (not {@code _PRIVATE}), so it works across processes. */
    static final long FUTEX_WAIT = 0;
    /** {@code FUTEX_WAKE}: shared. */
    static final long FUTEX_WAKE = 1;
    /** {@code SYS_futex_waitv} on x86_64 (Linux 5.16 and later): one sleep on up to 128 words. */
    static final long SYS_FUTEX_WAITV = 449;
    /** {@code FUTEX2_SIZE_U32}: a waitv entry's word is 32 bits; without {@code FUTEX2_PRIVATE}, it is shared. */
    static final int FUTEX2_SIZE_U32 = 2;
    /** The most entries one {@code futex_waitv} takes. */
    static final int FUTEX_WAITV_MAX = 128;
    /** {@code sizeof(struct futex_waitv)}: u64 val, u64 uaddr, u32 flags, u32 reserved. */
    static final int FUTEX_WAITV_LENGTH = 24;
    /** {@code CLOCK_MONOTONIC}: the clock of {@link System#nanoTime()} on Linux. */
    static final long CLOCK_MONOTONIC = 1;
    /** {@code ENOSYS}: the kernel lacks the system call. */
    static final int ENOSYS = 38;
    /** {@code MEMBARRIER_CMD_QUERY}. */
    static final long MEMBARRIER_CMD_QUERY = 0;
    /** {@code MEMBARRIER_CMD_GLOBAL_EXPEDITED}. */
    static final long MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
    /** {@code MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED}. */
    static final long MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;
    /** {@code MEMBARRIER_CMD_PRIVATE_EXPEDITED}: a barrier on every running thread of this process. */
    static final long MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
    /** {@code MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED}. */
    static final long MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

    /** {@code EPERM}. */
    static final int EPERM = 1;
    /** {@code ENOENT}. */
    static final int ENOENT = 2;
    /** {@code EINTR}. */
    static final int EINTR = 4;
    /** {@code EAGAIN}. */
    static final int EAGAIN = 11;
    /** {@code ENOMEM}. */
    static final int ENOMEM = 12;
    /** {@code EACCES}. */
    static final int EACCES = 13;
    /** {@code EEXIST}. */
    static final int EEXIST = 17;
    /** {@code EINVAL}. */
    static final int EINVAL = 22;
    /** {@code ENOSPC}. */
    static final int ENOSPC = 28;
    /** {@code ETIMEDOUT}. */
    static final int ETIMEDOUT = 110;

    static
    {
        if (!Platform.isLinux() || !Platform.is64Bit() || !"x86-64".equals(Platform.ARCH))
        {
            throw new UnsupportedOperationException("queue-native supports Linux on x86-64 only, this is " +
                System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC()
    {
    }

    static native int shmget(int key, long size, int shmflg);

    static native long shmat(int shmid, long shmaddr, int shmflg);

    static native int shmdt(long shmaddr);

    static native int shmctl(int shmid, int cmd, byte[] buf);

    static native long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5, long arg6);

    static native String strerror(int errnum);

    /**
     * The {@code errno} of the last call on this thread.
     *
     * @return errno.
     */
    static int errno()
    {
        return Native.getLastError();
    }

    /**
     * {@code errno} as text, e.g. {@code ENOMEM (Cannot allocate memory)}.
     *
     * @param errno the error number.
     * @return its name and the C library's description.
     */
    static String describe(final int errno)
    {
        final String name;
        switch (errno)
        {
            case EPERM: name = "EPERM"; break;
            case ENOENT: name = "ENOENT"; break;
            case EINTR: name = "EINTR"; break;
            case EAGAIN: name = "EAGAIN"; break;
            case ENOMEM: name = "ENOMEM"; break;
            case EACCES: name = "EACCES"; break;
            case EEXIST: name = "EEXIST"; break;
            case EINVAL: name = "EINVAL"; break;
            case ENOSPC: name = "ENOSPC"; break;
            case ETIMEDOUT: name = "ETIMEDOUT"; break;
            default: name = "errno " + errno;
        }
        return name + " (" + strerror(errno) + ")";
    }
}
