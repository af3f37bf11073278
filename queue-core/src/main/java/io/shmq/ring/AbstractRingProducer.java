package io.shmq.ring;

import io.shmq.layout.RecordDescriptor;
import io.shmq.wait.Doorbell;
import io.shmq.wait.Waiter;
import org.agrona.concurrent.AtomicBuffer;

/**
 * What the SPSC and MPSC producers share: the geometry, argument checks, the payload copy and the closed state.
 */
abstract class AbstractRingProducer implements RingProducer
{
    final RingGeometry geometry;
    final AtomicBuffer header;
    final AtomicBuffer data;
    /** Unchecked access for the hot path (offsets computed here, see {@link RingMemory}). */
    final RingMemory headerWords;
    final RingMemory dataWords;
    final int capacity;
    final int mask;
    final int alignment;
    final int maxMessageLength;
    final String queue;
    /** Rung after each commit: wakes a sleeping consumer. */
    final Doorbell consumerDoorbell;
    /** Slept on while the ring is full; the consumer rings it after moving the head. */
    final Doorbell spaceDoorbell;
    boolean closed;

    AbstractRingProducer(final RingGeometry geometry, final Waiter waiter)
    {
        this.geometry = geometry;
        this.header = geometry.header();
        this.data = geometry.data();
        this.headerWords = geometry.headerWords;
        this.dataWords = geometry.dataWords;
        this.capacity = geometry.capacity();
        this.mask = capacity - 1;
        this.alignment = geometry.alignment();
        this.maxMessageLength = geometry.maxMessageLength();
        this.queue = geometry.queue();
        this.consumerDoorbell = geometry.messageDoorbell(waiter);
        this.spaceDoorbell = geometry.spaceDoorbell(waiter);
    }

    /**
     * {@inheritDoc}
     */
    public final boolean awaitSpace(final int length, final long timeoutNanos)
    {
        checkOpen();
        checkMessage(RecordDescriptor.MIN_USER_MSG_TYPE_ID, length);
        geometry.checkIntact();
        final int alignedLength = RecordDescriptor.align(length + RecordDescriptor.HEADER_LENGTH, alignment);
        return spaceDoorbell.await(() -> hasRoom(alignedLength), timeoutNanos);
    }

    /**
     * Whether a record of {@code alignedLength} bytes (plus any padding it would need) fits now.
     */
    abstract boolean hasRoom(int alignedLength);

    /**
     * {@inheritDoc}
     */
    public final int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * Bytes of padding a record of {@code alignedLength} needs before it when the tail is at {@code tail}: the rest
     * of the data area if the record would cross its end, else 0.
     */
    final int paddingBefore(final long tail, final int alignedLength)
    {
        final int toEnd = capacity - ((int)tail & mask);
        return alignedLength > toEnd ? toEnd : 0;
    }

    abstract void commitClaim(SlotClaim claim);

    abstract void abortClaim(SlotClaim claim);

    final void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(queue + ": producer is closed");
        }
    }

    final void checkMessage(final int msgTypeId, final int length)
    {
        if (msgTypeId < RecordDescriptor.MIN_USER_MSG_TYPE_ID)
        {
            throw new IllegalArgumentException(queue + ": message type id must be at least " +
                RecordDescriptor.MIN_USER_MSG_TYPE_ID + ", was " + msgTypeId);
        }
        if (length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException(queue + ": message length " + length + " outside 0.." +
                maxMessageLength + " (the queue's max message length)");
        }
    }
}
