package io.shmq.ring;

import io.shmq.errors.CorruptRecordException;
import io.shmq.errors.ShmqException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.QueueHeaderValidator;
import io.shmq.layout.RecordDescriptor;
import io.shmq.process.OwnerLocks;
import io.shmq.region.MappingGuard;
import io.shmq.wait.Doorbell;
import io.shmq.wait.Waiter;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Objects;

/**
 * One ring in a region, as its producers and consumer share it: the validated shape (capacity, alignment,
 * largest message), the header and data area (bounds-checked buffers for slow paths, {@link RingMemory} for hot
 * ones), the doorbells idle sides sleep on, the owner locks of the roles, the region's integrity check, and the
 * exceptions that name the queue. Built once at attach, after the header was checked.
 */
public final class Ring
{
    private final AtomicBuffer header;
    private final AtomicBuffer data;
    private final int capacity;
    private final int alignment;
    private final int maxMessageLength;
    private final String queue;
    private Runnable integrityCheck = () -> { };
    private OwnerLocker ownerLocker;
    private MappingGuard guard;
    /** Unchecked access to the header, for the hot paths. */
    final RingMemory headerWords;
    /** Unchecked access to the data area, for the hot paths. */
    final RingMemory dataWords;

    /**
     * A ring over {@code region}, whose header must already be validated.
     *
     * @param region           the whole region: header then data area.
     * @param capacity         data area length, a power of two.
     * @param alignment        record alignment, a power of two from 8 to 128.
     * @param maxMessageLength largest payload length.
     * @param queue            how to name the queue in messages.
     */
    public Ring(
        final AtomicBuffer region, final int capacity, final int alignment, final int maxMessageLength,
        final String queue)
    {
        if (region.capacity() < QueueHeaderDescriptor.HEADER_LENGTH + capacity)
        {
            throw new IllegalArgumentException(queue + ": region of " + region.capacity() +
                " bytes cannot hold the header and " + capacity + " bytes of data");
        }
        try
        {
            QueueHeaderValidator.checkShape(capacity, alignment, maxMessageLength);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(queue + ": " + ex.getMessage(), ex);
        }
        this.header = new UnsafeBuffer(region, 0, QueueHeaderDescriptor.HEADER_LENGTH);
        this.data = new UnsafeBuffer(region, QueueHeaderDescriptor.HEADER_LENGTH, capacity);
        this.headerWords = new RingMemory(header);
        this.dataWords = new RingMemory(data);
        this.capacity = capacity;
        this.alignment = alignment;
        this.maxMessageLength = maxMessageLength;
        this.queue = queue;
    }

    /**
     * The queue header.
     *
     * @return a buffer over the header.
     */
    public AtomicBuffer header()
    {
        return header;
    }

    /**
     * The data area.
     *
     * @return a buffer over the ring's records.
     */
    public AtomicBuffer data()
    {
        return data;
    }

    /**
     * Data area length.
     *
     * @return the capacity in bytes.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * Record alignment.
     *
     * @return the alignment in bytes.
     */
    public int alignment()
    {
        return alignment;
    }

    /**
     * Largest payload.
     *
     * @return the maximum message length.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * Zeroes every byte between two positions, wrapping at the end of the data area: afterwards no header can be
     * read there, whatever record starts there later.
     *
     * <p>Every byte, not only the record-start words (one per alignment unit) that freshness needs: one store per
     * 128-byte unit lands in a line the consumer never read (a large record's payload), each a cache miss on a line
     * the producer holds, and those stores drain one by one. Measured here with 1 KiB messages on a 1 MiB ring, one
     * word per unit gave 7-8 M msgs/s and zeroing the whole range 21-22 M, in the same runs.
     *
     * @param fromPosition first position, a multiple of 8.
     * @param toPosition   position after the last, at most {@code capacity} past {@code fromPosition}.
     */
    public void zeroRange(final long fromPosition, final long toPosition)
    {
        if (toPosition - fromPosition < 0 || toPosition - fromPosition > capacity)
        {
            // Positions read from a damaged header: refuse rather than write a wrong range (or loop for ages).
            throw new CorruptRecordException(queue + ": cannot release positions " + fromPosition + ".." +
                toPosition + ": not within one capacity (" + capacity + "); the header's positions are damaged",
                fromPosition);
        }
        final int fromOffset = (int)fromPosition & (capacity - 1);
        final int length = (int)(toPosition - fromPosition);
        final int firstPart = Math.min(length, capacity - fromOffset);
        dataWords.zero(fromOffset, firstPart);
        if (firstPart < length)
        {
            dataWords.zero(0, length - firstPart);
        }
    }

    /**
     * Sets what {@link #checkIntact()} runs: the region's check that its memory is all there.
     *
     * @param check throws a {@link io.shmq.errors.ShmqException} when the memory is gone.
     * @return this ring.
     */
    public Ring integrityCheck(final Runnable check)
    {
        this.integrityCheck = Objects.requireNonNull(check, "check");
        return this;
    }

    /**
     * Takes the file lock on a role's owner token, for liveness across PID namespaces (see
     * {@link io.shmq.process.OwnerLocks}).
     */
    @FunctionalInterface
    public interface OwnerLocker
    {
        /**
         * Locks the 8 bytes of the owner token at {@code offset} of the header, without waiting.
         *
         * @param offset the owner token's offset.
         * @return the lock (closing releases it), or null when another holder has it.
         * @throws UnsupportedOperationException when it cannot be locked here: go on without.
         */
        OwnerLocks.Lock tryLock(int offset);
    }

    /**
     * Sets the guard of the region's mapping, which every producer and consumer of this ring registers with (see
     * {@link MappingGuard}); without one, the ring gets a guard of its own that releases nothing.
     *
     * @param guard the region's guard.
     * @return this ring.
     */
    public Ring guard(final MappingGuard guard)
    {
        this.guard = Objects.requireNonNull(guard, "guard");
        return this;
    }

    /**
     * The guard of the region's mapping.
     *
     * @return the guard set by {@link #guard(MappingGuard)}, or one made on first use that releases nothing.
     */
    public synchronized MappingGuard guard()
    {
        if (guard == null)
        {
            guard = new MappingGuard(queue, () -> { });
        }
        return guard;
    }

    /**
     * Sets how roles lock their owner tokens; without one (SysV segments, no queue-native) they rely on pids only.
     *
     * @param locker the region's locker.
     * @return this ring.
     */
    public Ring ownerLocker(final OwnerLocker locker)
    {
        this.ownerLocker = locker;
        return this;
    }

    /**
     * The region's owner locker, if any.
     *
     * @return the locker, or null.
     */
    OwnerLocker ownerLocker()
    {
        return ownerLocker;
    }

    /**
     * Checks, before a slow path touches the ring after a pause (a sleep, a full ring), that the memory behind it
     * is still there (see {@link io.shmq.region.Region#checkIntact()}).
     */
    public void checkIntact()
    {
        integrityCheck.run();
    }

    /**
     * Checks positions read from the header before a consumer or producer starts from them: each a multiple of 8
     * (where records may start), none negative, and the tail at most one capacity ahead of the head. A damaged
     * header would otherwise send the ring code to misaligned words or make it release the wrong range.
     *
     * @param head     the head position.
     * @param tail     the tail position.
     * @param consumed the consumed position.
     * @throws io.shmq.errors.CorruptRecordException naming the queue and the position that cannot be right.
     */
    public void checkPositions(final long head, final long tail, final long consumed)
    {
        checkPosition("head", head);
        checkPosition("tail", tail);
        checkPosition("consumed", consumed);
        if (tail - head > capacity || head - tail > capacity || consumed - head > capacity || consumed < head)
        {
            throw new CorruptRecordException(queue + ": header positions cannot be right: head " + head +
                ", tail " + tail + ", consumed " + consumed + " (capacity " + capacity + "); the queue cannot be " +
                "used: delete and recreate it", head);
        }
    }

    private void checkPosition(final String what, final long position)
    {
        if (position < 0 || (position & (RecordDescriptor.MIN_ALIGNMENT - 1)) != 0)
        {
            throw new CorruptRecordException(queue + ": header " + what + " position " + position +
                " is " + (position < 0 ? "negative" : "not a multiple of " + RecordDescriptor.MIN_ALIGNMENT) +
                "; the queue cannot be used: delete and recreate it", position);
        }
    }

    /**
     * What a fault on the ring's memory means for the user: the mapping lost its backing (the file was truncated,
     * or the segment removed and its pages freed, by someone else).
     *
     * @param fault the JVM's report of the fault.
     * @return an exception naming the queue and what to check.
     */
    public ShmqException inaccessible(final InternalError fault)
    {
        return new ShmqException(queue + ": the queue's memory is no longer accessible (was its file " +
            "truncated or replaced while mapped?); close it and recreate the queue", fault);
    }

    /**
     * The doorbell a consumer sleeps on for messages and producers ring after each commit.
     *
     * @param waiter how to sleep and wake.
     * @return a doorbell over the header's consumer wake-up line.
     */
    public Doorbell messageDoorbell(final Waiter waiter)
    {
        return new Doorbell(header, QueueHeaderDescriptor.CONSUMER_WAITERS_OFFSET,
            QueueHeaderDescriptor.CONSUMER_FUTEX_OFFSET, waiter);
    }

    /**
     * The doorbell producers sleep on for space and the consumer rings after moving the head.
     *
     * @param waiter how to sleep and wake.
     * @return a doorbell over the header's producer wake-up line.
     */
    public Doorbell spaceDoorbell(final Waiter waiter)
    {
        return new Doorbell(header, QueueHeaderDescriptor.PRODUCER_WAITERS_OFFSET,
            QueueHeaderDescriptor.PRODUCER_FUTEX_OFFSET, waiter);
    }

    /**
     * The queue's name for messages.
     *
     * @return e.g. {@code queue 'orders' (file /dev/shm/shmq-orders)}.
     */
    public String queue()
    {
        return queue;
    }
}
