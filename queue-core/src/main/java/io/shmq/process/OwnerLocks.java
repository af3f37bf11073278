package io.shmq.process;

import io.shmq.platform.ServiceProviders;

import java.nio.file.Path;

/**
 * Exclusive locks on a few bytes of a queue file that the kernel drops when their holder dies: the liveness of a
 * role's owner that works across PID namespaces, where a pid cannot be checked (containers sharing {@code /dev/shm}
 * but not pids). A role's owner locks the 8 bytes of its owner token; anyone who then gets that lock knows the
 * owner recorded there is gone.
 *
 * <p>The lock must belong to an open file description, not to the process: POSIX record locks (what
 * {@link java.nio.channels.FileChannel#lock} takes on Linux) vanish when the process closes <em>any</em>
 * descriptor of the file, e.g. while another handle of the same queue is opened and closed, which would make a live
 * owner look dead. queue-native provides open-file-description locks ({@code F_OFD_SETLK}); without it, roles
 * are guarded by pids only, and an owner in another PID namespace is never taken over.
 */
public interface OwnerLocks
{
    /**
     * Takes an exclusive lock on {@code length} bytes of {@code file} from {@code offset}, without waiting.
     *
     * @param file   the queue file.
     * @param offset first byte.
     * @param length number of bytes.
     * @return the lock (closing it releases it), or null when another holder has it.
     * @throws UnsupportedOperationException when such locks cannot be taken on this file or system: the caller
     *                                       goes on without.
     */
    Lock tryLock(Path file, long offset, int length);

    /**
     * A held lock; closing it (idempotent, never failing) releases it.
     */
    interface Lock extends AutoCloseable
    {
        /**
         * Releases the lock.
         */
        @Override
        void close();
    }

    /**
     * Whether someone holds a lock on those bytes, without taking it (for tools: taking it, even briefly, could
     * make an owner attaching at that moment fail).
     *
     * @param file   the queue file.
     * @param offset first byte.
     * @param length number of bytes.
     * @return true when a lock is held there (by any process, this one included).
     * @throws UnsupportedOperationException when it cannot be told here.
     */
    default boolean isHeld(final Path file, final long offset, final int length)
    {
        throw new UnsupportedOperationException("no lock query");
    }

    /**
     * The provider found on the class path (queue-native's), looked up once.
     *
     * @return the provider, or null when there is none.
     */
    static OwnerLocks platformDefault()
    {
        return Discovery.DEFAULT;
    }

    /**
     * Holds the looked-up provider.
     */
    final class Discovery
    {
        static final OwnerLocks DEFAULT = ServiceProviders.first(OwnerLocks.class);

        private Discovery()
        {
        }
    }
}
