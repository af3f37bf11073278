package io.shmq.nativeio;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.shmq.process.OwnerLocks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Owner locks as Linux open-file-description locks ({@code fcntl(F_OFD_SETLK)}, Linux 3.15+): each lock lives on
 * a descriptor of its own, opened for it and closed to release it, so closing another descriptor of the same
 * queue file in this process (a second handle of the queue, a tool reading it) leaves it alone, unlike the
 * per-process POSIX locks of {@link java.nio.channels.FileChannel#lock}. The kernel drops it when the process dies.
 * Found by {@link OwnerLocks#platformDefault()} through the service loader.
 *
 * <pre>
 *  struct flock (x86-64), 32 bytes
 *   0       2         4       8                16               24       28
 *  +-------+---------+-------+----------------+----------------+--------+-------+
 *  |l_type |l_whence | pad   | l_start (64)   | l_len (64)     | l_pid  | pad   |
 *  +-------+---------+-------+----------------+----------------+--------+-------+
 * </pre>
 */
public final class OfdOwnerLocks implements OwnerLocks
{
    private static final long SYS_CLOSE = 3;
    private static final long SYS_FCNTL = 72;
    private static final long SYS_OPENAT = 257;
    private static final long AT_FDCWD = -100;
    private static final long O_RDWR = 2;
    private static final long O_NOFOLLOW = 0400000;
    private static final long O_CLOEXEC = 02000000;
    private static final long O_RDONLY = 0;
    private static final long F_OFD_GETLK = 36;
    private static final long F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;
    private static final int FLOCK_LENGTH = 32;

    /**
     * Used by the service loader.
     */
    public OfdOwnerLocks()
    {
    }

    /**
     * Takes an open-file-description lock ({@code F_OFD_SETLK}, write) on the bytes, without waiting: the kernel
     * drops it when the process dies, whatever its PID namespace.
     *
     * @param file   the queue file.
     * @param offset first byte.
     * @param length number of bytes.
     * @return the lock (closing it releases it), or null when another holder has it.
     * @throws UnsupportedOperationException when such locks cannot be taken on this file or system.
     */
    @Override
    public OwnerLocks.Lock tryLock(final Path file, final long offset, final int length)
    {
        final long fd = open(file, O_RDWR);
        final Memory flock = writeLock(offset, length);
        if (LibC.syscall(SYS_FCNTL, fd, F_OFD_SETLK, Pointer.nativeValue(flock), 0, 0, 0) == 0)
        {
            return new Lock((int)fd);
        }
        final int errno = LibC.errno();
        LibC.syscall(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
        if (errno == LibC.EAGAIN || errno == LibC.EACCES)
        {
            return null;
        }
        throw new UnsupportedOperationException("cannot lock bytes " + offset + ".." + (offset + length) + " of " +
            file + ": " + LibC.describe(errno));
    }

    /**
     * Asks the kernel ({@code F_OFD_GETLK}) whether anyone holds a lock on the bytes, without taking it.
     *
     * @param file   the queue file.
     * @param offset first byte.
     * @param length number of bytes.
     * @return true when a lock is held there.
     * @throws UnsupportedOperationException when it cannot be told here.
     */
    @Override
    public boolean isHeld(final Path file, final long offset, final int length)
    {
        final long fd = open(file, O_RDONLY);
        try
        {
            final Memory flock = writeLock(offset, length);
            if (LibC.syscall(SYS_FCNTL, fd, F_OFD_GETLK, Pointer.nativeValue(flock), 0, 0, 0) != 0)
            {
                throw new UnsupportedOperationException("cannot query the locks of " + file + ": " +
                    LibC.describe(LibC.errno()));
            }
            // The kernel answers F_UNLCK when nothing would stand in the way of such a lock.
            return flock.getShort(0) != F_UNLCK;
        }
        finally
        {
            LibC.syscall(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
        }
    }

    private static long open(final Path file, final long mode)
    {
        final byte[] name = file.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        final Memory path = new Memory(name.length + 1L);
        path.write(0, name, 0, name.length);
        path.setByte(name.length, (byte)0);
        final long fd = LibC.syscall(SYS_OPENAT, AT_FDCWD, Pointer.nativeValue(path), mode | O_NOFOLLOW | O_CLOEXEC,
            0, 0, 0);
        if (fd < 0)
        {
            throw new UnsupportedOperationException("cannot open " + file + " to lock it: " +
                LibC.describe(LibC.errno()));
        }
        return fd;
    }

    private static Memory writeLock(final long offset, final int length)
    {
        final Memory flock = new Memory(FLOCK_LENGTH);
        flock.clear();
        flock.setShort(0, F_WRLCK);
        flock.setShort(2, SEEK_SET);
        flock.setLong(8, offset);
        flock.setLong(16, length);
        return flock;
    }

    /**
     * One lock: its own descriptor, closed once.
     */
    private static final class Lock implements OwnerLocks.Lock
    {
        private int fd;

        Lock(final int fd)
        {
            this.fd = fd;
        }

        public synchronized void close()
        {
            if (fd >= 0)
            {
                LibC.syscall(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
                fd = -1;
            }
        }
    }
}
