package io.shmq.region;

import org.agrona.concurrent.AtomicBuffer;

import java.nio.file.Path;

/**
 * A range of shared memory with an address, a length and a close. The rings never ask where the bytes come from:
 * a tmpfs file ({@link MappedFileRegion}) or, from queue-native, a SysV segment.
 *
 * <p>After {@link #close()} the memory is unmapped: any buffer obtained from {@link #buffer()} must no longer be
 * touched. Producers and consumers made by a queue are closed with it and refuse further use.
 */
public interface Region extends AutoCloseable
{
    /**
     * A buffer over the whole region, offset 0 being the region's first byte.
     *
     * @return the region's buffer.
     */
    AtomicBuffer buffer();

    /**
     * Length of the region in bytes.
     *
     * @return the length.
     */
    int length();

    /**
     * What backs the region, for messages: e.g. {@code file /dev/shm/shmq-orders}.
     *
     * @return a short human-readable description.
     */
    String description();

    /**
     * Checks that the memory behind the mapping is still all there, and still the queue others find, before a
     * caller touches it after a pause: a file truncated while mapped would make the next access fault, and one
     * replaced by a new queue of the same name would leave this process waiting where nobody writes. Costs a
     * system call: for slow paths only.
     *
     * @throws io.shmq.errors.ShmqException saying what happened, when the region lost memory.
     */
    default void checkIntact()
    {
    }

    /**
     * The file behind the region, for locks on its bytes ({@link io.shmq.process.OwnerLocks}).
     *
     * @return the file's path, or null when the region is not a file (a SysV segment).
     */
    default Path file()
    {
        return null;
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return true once closed.
     */
    boolean isClosed();

    /**
     * Unmaps (or detaches) the memory now, not at garbage collection. Idempotent.
     */
    void close();
}
