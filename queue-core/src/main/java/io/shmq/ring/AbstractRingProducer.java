package io.shmq.ring;

import io.shmq.errors.QueueClosedException;
import io.shmq.layout.RecordDescriptor;
import io.shmq.region.MappingGuard;
import io.shmq.region.MappingUser;
import io.shmq.wait.Doorbell;
import io.shmq.wait.Waiter;
import org.agrona.concurrent.AtomicBuffer;

/**
 * What the SPSC and MPSC producers share: the ring, argument checks, padding arithmetic and waiting for space.
 * Every call that touches the ring enters and exits a {@link MappingUser} of the ring's guard, so a close from
 * any thread never unmaps memory a call is using.
 */
abstract class AbstractRingProducer implements RingProducer
{
    /** What {@code reserve} returns instead of a record offset when the record does not fit before the head. */
    static final int INSUFFICIENT_CAPACITY = -1;

    final Ring ring;
    final AtomicBuffer data;
    /** Unchecked access for the hot path (offsets computed here, see {@link RingMemory}). */
    final RingMemory headerWords;
    final RingMemory dataWords;
    final int capacity;
    final int mask;
    final int alignment;
    final int maxMessageLength;
    /** Whether records longer than the alignment are packed (SPSC; see {@link RecordDescriptor#span}). */
    final boolean packed;
    final String queue;
    /** Rung after each commit: wakes a sleeping consumer. */
    final Doorbell consumerDoorbell;
    /** Slept on while the ring is full; the consumer rings it after moving the head. */
    final Doorbell spaceDoorbell;
    final MappingGuard guard;

    AbstractRingProducer(final Ring ring, final Waiter waiter, final boolean packed)
    {
        this.packed = packed;
        this.ring = ring;
        this.data = ring.data();
        this.headerWords = ring.headerWords;
        this.dataWords = ring.dataWords;
        this.capacity = ring.capacity();
        this.mask = capacity - 1;
        this.alignment = ring.alignment();
        this.maxMessageLength = ring.maxMessageLength();
        this.queue = ring.queue();
        this.consumerDoorbell = ring.messageDoorbell(waiter);
        this.spaceDoorbell = ring.spaceDoorbell(waiter);
        this.guard = ring.guard();
    }

    /**
     * {@inheritDoc}
     */
    public final boolean awaitSpace(final int length, final long timeoutNanos)
    {
        checkMessage(RecordDescriptor.MIN_USER_MSG_TYPE_ID, length);
        final MappingUser user = user();
        user.enter();
        try
        {
            ring.checkIntact();
            final int recordLength = length + RecordDescriptor.HEADER_LENGTH;
            final boolean room = spaceDoorbell.await(() -> user.isClosing() || hasRoom(recordLength), timeoutNanos);
            if (user.isClosing())
            {
                throw closed();
            }
            return room;
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * The calling thread's way into the ring's memory.
     */
    abstract MappingUser user();

    /**
     * The exception a call on this closed producer throws.
     */
    final QueueClosedException closed()
    {
        return new QueueClosedException(queue + ": producer is closed");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Doorbell spaceDoorbell()
    {
        return spaceDoorbell;
    }

    /**
     * Whether a record of {@code recordLength} bytes (plus any padding it would need) fits now.
     */
    abstract boolean hasRoom(int recordLength);

    /**
     * {@inheritDoc}
     */
    public final int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * Bytes of padding a record needs before it when the tail is at {@code tail}: the rest of the data area if the
     * record would cross its end; else, for a record that starts in a slot of its own, up to the next multiple of
     * the alignment; else 0.
     *
     * @param span   the bytes the record takes (see {@link RecordDescriptor#span}).
     * @param slotted whether the record must start at a multiple of the alignment (see
     *               {@link RecordDescriptor#startsInSlot}).
     */
    final int paddingBefore(final long tail, final int span, final boolean slotted)
    {
        final int tailOffset = (int)tail & mask;
        final int toEnd = capacity - tailOffset;
        final int gap = slotted ? -tailOffset & (alignment - 1) : 0;
        return gap + span > toEnd ? toEnd : gap;
    }

    /**
     * Whether the ring has room for a record of {@code recordLength} at {@code tail} given the head.
     */
    final boolean fits(final long tail, final long head, final int recordLength)
    {
        final int span = RecordDescriptor.span(recordLength, alignment, packed);
        return tail + paddingBefore(tail, span, RecordDescriptor.startsInSlot(recordLength, alignment, packed)) +
            span <= head + capacity;
    }

    abstract void commitClaim(SlotClaim claim);

    abstract void abortClaim(SlotClaim claim);

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
