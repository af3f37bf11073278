package io.shmq.ring;

import io.shmq.wait.Waiter;
import org.agrona.DirectBuffer;

import static io.shmq.layout.QueueHeaderDescriptor.HEAD_POSITION_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.TAIL_POSITION_OFFSET;
import static io.shmq.layout.RecordDescriptor.HEADER_LENGTH;
import static io.shmq.layout.RecordDescriptor.PADDING_MSG_TYPE_ID;
import static io.shmq.layout.RecordDescriptor.align;
import static io.shmq.layout.RecordDescriptor.headerWord;

/**
 * A producer of an MPSC ring; thread-safe, and any number of them may work in any number of processes.
 *
 * <p>A claim is a CAS of the tail over the record (and over a padding record first, when the record would cross
 * the end of the data area). The claimed header is then marked "in progress" with the negative length, so that a
 * tool can see how long a stuck claim is; the commit is one release store of the whole header word. The consumer
 * zeroes what it consumed before it moves the head, so every header a producer claims reads zero until written.
 */
public final class MpscRingProducer extends AbstractRingProducer
{
    /** A cache of the consumer's head plus capacity: shared by threads, only ever a conservative limit. */
    private long cachedHeadLimit;

    /**
     * A producer for the validated MPSC ring.
     *
     * @param geometry the ring.
     * @param waiter   how to wake a sleeping consumer and to sleep while the ring is full.
     */
    public MpscRingProducer(final RingGeometry geometry, final Waiter waiter)
    {
        super(geometry, waiter);
        cachedHeadLimit = lvHead() + capacity;
    }

    /**
     * {@inheritDoc}
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        checkOpen();
        checkMessage(msgTypeId, length);
        final int recordLength = length + HEADER_LENGTH;
        final int recordOffset = reserve(msgTypeId, recordLength, align(recordLength, alignment));
        if (recordOffset < 0)
        {
            return false;
        }
        dataWords.copyFrom(recordOffset + HEADER_LENGTH, src, index, length);
        dataWords.putLongRelease(recordOffset, headerWord(msgTypeId, recordLength));
        consumerDoorbell.ring();
        return true;
    }

    /**
     * {@inheritDoc}
     */
    public boolean claim(final int msgTypeId, final int length, final SlotClaim claim)
    {
        checkOpen();
        checkMessage(msgTypeId, length);
        if (claim.isActive())
        {
            throw new IllegalStateException(queue + ": this claim holds an uncommitted slot: commit or abort it first");
        }
        final int recordLength = length + HEADER_LENGTH;
        final int alignedLength = align(recordLength, alignment);
        final int recordOffset = reserve(msgTypeId, recordLength, alignedLength);
        if (recordOffset < 0)
        {
            return false;
        }
        claim.fill(this, data, recordOffset, msgTypeId, length, alignedLength);
        return true;
    }

    /**
     * {@inheritDoc}
     */
    public void close()
    {
        closed = true;
    }

    void commitClaim(final SlotClaim claim)
    {
        checkOpen();
        dataWords.putLongRelease(claim.recordOffset, headerWord(claim.msgTypeId, claim.length + HEADER_LENGTH));
        consumerDoorbell.ring();
    }

    void abortClaim(final SlotClaim claim)
    {
        checkOpen();
        // The tail has moved past the slot: the consumer must be able to step over it.
        dataWords.putLongRelease(claim.recordOffset, headerWord(PADDING_MSG_TYPE_ID, claim.alignedLength));
        // A sleeping consumer may be stuck behind this slot with committed records after it.
        consumerDoorbell.ring();
    }

    boolean hasRoom(final int alignedLength)
    {
        final long tail = headerWords.getLongVolatile(TAIL_POSITION_OFFSET);
        return tail + paddingBefore(tail, alignedLength) + alignedLength <= lvHead() + capacity;
    }

    private int reserve(final int msgTypeId, final int recordLength, final int alignedLength)
    {
        long tail;
        int tailOffset;
        int padding;
        do
        {
            tail = headerWords.getLongVolatile(TAIL_POSITION_OFFSET);
            tailOffset = (int)tail & mask;
            padding = paddingBefore(tail, alignedLength);
            final long end = tail + padding + alignedLength;
            if (end > cachedHeadLimit)
            {
                final long headLimit = lvHead() + capacity;
                cachedHeadLimit = headLimit;
                if (end > headLimit)
                {
                    return -1;
                }
            }
        }
        while (!headerWords.compareAndSetLong(TAIL_POSITION_OFFSET, tail, tail + padding + alignedLength));

        int recordOffset = tailOffset;
        if (padding != 0)
        {
            dataWords.putLongRelease(tailOffset, headerWord(PADDING_MSG_TYPE_ID, padding));
            recordOffset = 0;
        }
        dataWords.putLongRelease(recordOffset, headerWord(msgTypeId, -recordLength));
        return recordOffset;
    }

    private long lvHead()
    {
        return headerWords.getLongAcquire(HEAD_POSITION_OFFSET);
    }
}
