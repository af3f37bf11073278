package io.shmq.ring;

import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.wait.Waiter;
import org.agrona.DirectBuffer;

import static io.shmq.layout.QueueHeaderDescriptor.HEAD_POSITION_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.TAIL_POSITION_OFFSET;
import static io.shmq.layout.RecordDescriptor.HEADER_LENGTH;
import static io.shmq.layout.RecordDescriptor.PADDING_MSG_TYPE_ID;
import static io.shmq.layout.RecordDescriptor.align;
import static io.shmq.layout.RecordDescriptor.headerWord;

/**
 * The one producer of an SPSC ring.
 *
 * <p>Freshness without clearing on the consumer's side: before it commits a record, the producer zeroes the header
 * word where the <em>next</em> record will start, so the consumer can never read a stale header left by an earlier
 * lap. That slot must be free, so a record is accepted only if its end stays strictly before {@code head +
 * capacity}: the ring holds at most {@code capacity - alignment} bytes of records.
 *
 * <p>The consumer finds records by their header words, never by the tail; the tail is published (release) after
 * each commit for tools and for a successor after a crash. The head is read only when the cached limit says the
 * ring is full. Not thread-safe: one thread at a time.
 */
public final class SpscRingProducer extends AbstractRingProducer
{
    private final RoleOwnership ownership;
    private long tailPosition;
    private long cachedHeadLimit;
    private boolean claimPending;

    /**
     * Attaches as the SPSC producer, replacing a dead one.
     *
     * @param geometry the validated ring.
     * @param waiter   how to wake a sleeping consumer and to sleep while the ring is full.
     * @throws io.shmq.QueueOwnershipException when a live process is the producer.
     */
    public SpscRingProducer(final RingGeometry geometry, final Waiter waiter)
    {
        super(geometry, waiter);
        ownership = new RoleOwnership(header, QueueHeaderDescriptor.PRODUCER_OWNER_OFFSET, "producer", queue);
        ownership.acquire();
        // A predecessor that died after committing a padding record but before publishing the tail leaves the
        // consumer ahead of the tail; the header at the head was zeroed before that padding committed.
        tailPosition = Math.max(lvTail(), lvHead());
        cachedHeadLimit = lvHead() + capacity;
    }

    /**
     * {@inheritDoc}
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        checkOpen();
        checkMessage(msgTypeId, length);
        if (claimPending)
        {
            throw pendingClaim();
        }
        final int recordLength = length + HEADER_LENGTH;
        final int alignedLength = align(recordLength, alignment);
        final int recordOffset = reserve(alignedLength);
        if (recordOffset < 0)
        {
            return false;
        }
        copyPayload(data, recordOffset + HEADER_LENGTH, src, index, length);
        publish(recordOffset, alignedLength, headerWord(msgTypeId, recordLength));
        return true;
    }

    /**
     * {@inheritDoc}
     */
    public boolean claim(final int msgTypeId, final int length, final SlotClaim claim)
    {
        checkOpen();
        checkMessage(msgTypeId, length);
        if (claimPending || claim.isActive())
        {
            throw pendingClaim();
        }
        final int alignedLength = align(length + HEADER_LENGTH, alignment);
        final int recordOffset = reserve(alignedLength);
        if (recordOffset < 0)
        {
            return false;
        }
        claimPending = true;
        claim.fill(this, data, recordOffset, msgTypeId, length, alignedLength);
        return true;
    }

    /**
     * Position after the last committed record.
     *
     * @return the producer's tail position.
     */
    public long tailPosition()
    {
        return tailPosition;
    }

    /**
     * {@inheritDoc}
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            ownership.release();
        }
    }

    void commitClaim(final SlotClaim claim)
    {
        checkOpen();
        claimPending = false;
        publish(claim.recordOffset, claim.alignedLength, headerWord(claim.msgTypeId, claim.length + HEADER_LENGTH));
    }

    void abortClaim(final SlotClaim claim)
    {
        // Nothing was published for the record itself: its header is still zero and the tail has not moved.
        claimPending = false;
    }

    /**
     * Finds room for {@code alignedLength} bytes at the tail, writing a padding record first when the record would
     * cross the end of the data area.
     *
     * @return the record's offset, or -1 when the ring is full.
     */
    private int reserve(final int alignedLength)
    {
        final long tail = tailPosition;
        final int tailOffset = (int)tail & mask;
        final int toEnd = capacity - tailOffset;
        final int padding = alignedLength > toEnd ? toEnd : 0;
        final long end = tail + padding + alignedLength;

        if (end >= cachedHeadLimit)
        {
            cachedHeadLimit = lvHead() + capacity;
            if (end >= cachedHeadLimit)
            {
                return -1;
            }
        }

        if (padding == 0)
        {
            return tailOffset;
        }

        // The consumer jumps to offset 0 after the padding: that header must read "empty" until this record commits.
        data.putLong(0, 0L);
        data.putLongRelease(tailOffset, headerWord(PADDING_MSG_TYPE_ID, padding));
        tailPosition = tail + padding;
        soTail(tailPosition);
        return 0;
    }

    private void publish(final int recordOffset, final int alignedLength, final long headerWord)
    {
        // Clear ahead first: the release store below orders this zero before the record becomes visible.
        data.putLong((recordOffset + alignedLength) & mask, 0L);
        data.putLongRelease(recordOffset, headerWord);
        tailPosition += alignedLength;
        soTail(tailPosition);
        consumerDoorbell.ring();
    }

    boolean hasRoom(final int alignedLength)
    {
        final long tail = tailPosition;
        final int toEnd = capacity - ((int)tail & mask);
        final int padding = alignedLength > toEnd ? toEnd : 0;
        return tail + padding + alignedLength < lvHead() + capacity;
    }

    private IllegalStateException pendingClaim()
    {
        return new IllegalStateException(queue + ": a claimed slot is not committed yet: commit or abort it first");
    }

    private long lvHead()
    {
        return header.getLongAcquire(HEAD_POSITION_OFFSET);
    }

    private long lvTail()
    {
        return header.getLongAcquire(TAIL_POSITION_OFFSET);
    }

    private void soTail(final long position)
    {
        header.putLongRelease(TAIL_POSITION_OFFSET, position);
    }
}
