package io.shmq.ring;

import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.wait.Waiter;
import org.agrona.DirectBuffer;

import static io.shmq.layout.QueueHeaderDescriptor.CONSUMED_POSITION_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.HEAD_POSITION_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.TAIL_POSITION_OFFSET;
import static io.shmq.layout.RecordDescriptor.HEADER_LENGTH;
import static io.shmq.layout.RecordDescriptor.MIN_USER_MSG_TYPE_ID;
import static io.shmq.layout.RecordDescriptor.PADDING_MSG_TYPE_ID;
import static io.shmq.layout.RecordDescriptor.headerWord;
import static io.shmq.layout.RecordDescriptor.msgTypeId;
import static io.shmq.layout.RecordDescriptor.recordLength;
import static io.shmq.layout.RecordDescriptor.span;
import static io.shmq.layout.RecordDescriptor.startsInSlot;

/**
 * The one producer of an SPSC ring.
 *
 * <p>Freshness: the consumer zeroes what it consumed before it moves the head (see {@link RingConsumer}), so every
 * word where a record can start in the free space reads zero and the consumer can never mistake a leftover of an
 * earlier lap for a header. The producer writes into memory the consumer just held, one cache-line transfer per
 * line, and the whole capacity is usable. An aborted claim zeroes its slot again, since the caller may have
 * written payload there.
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
     * @param ring the validated ring.
     * @param waiter   how to wake a sleeping consumer and to sleep while the ring is full.
     * @throws io.shmq.errors.QueueOwnershipException when a live process is the producer.
     */
    public SpscRingProducer(final Ring ring, final Waiter waiter)
    {
        super(ring, waiter, true);
        ownership = new RoleOwnership(ring, QueueHeaderDescriptor.PRODUCER_OWNER_OFFSET,
            QueueHeaderDescriptor.PRODUCER_OWNER_NAMESPACE_OFFSET, QueueHeaderDescriptor.PRODUCER_OWNER_LOCK_OFFSET,
            "producer");
        ownership.acquire();
        try
        {
            // A predecessor that died after committing a padding record but before publishing the tail leaves the
            // consumer ahead of the tail; the header at the head was zeroed before that padding committed.
            final long head = lvHead();
            final long tail = lvTail();
            ring.checkPositions(head, tail, lvConsumed());
            tailPosition = Math.max(tail, head);
            cachedHeadLimit = head + capacity;
            // A predecessor that died between a commit (the header store) and publishing the tail leaves committed
            // records past the tail: the consumer may read them any time, so they are the ring's, not free space.
            final long committedEnd = endOfCommittedRecords(tailPosition, cachedHeadLimit);
            if (committedEnd != tailPosition)
            {
                tailPosition = committedEnd;
                soTail(tailPosition);
            }
            // A predecessor that died holding a claim may have written payload into the free space: zero it all
            // once (the free space is ours alone), as the consumer's clearing would have
            // left them.
            ring.zeroRange(tailPosition, cachedHeadLimit);
        }
        catch (final RuntimeException ex)
        {
            // A damaged header: give the role (and its file lock) back rather than hold it unusable.
            ownership.release();
            throw ex;
        }
    }

    /**
     * {@inheritDoc}
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        try
        {
            return offerRecord(msgTypeId, src, index, length);
        }
        catch (final InternalError fault)
        {
            throw ring.inaccessible(fault);
        }
    }

    private boolean offerRecord(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        checkOpen();
        checkMessage(msgTypeId, length);
        if (claimPending)
        {
            throw pendingClaim();
        }
        final int recordLength = length + HEADER_LENGTH;
        final int span = span(recordLength, alignment, true);
        final int recordOffset = reserve(span, startsInSlot(recordLength, alignment, true));
        if (recordOffset == INSUFFICIENT_CAPACITY)
        {
            return false;
        }
        dataWords.copyFrom(recordOffset + HEADER_LENGTH, src, index, length);
        publish(recordOffset, span, headerWord(msgTypeId, recordLength));
        return true;
    }

    /**
     * {@inheritDoc}
     */
    public boolean claim(final int msgTypeId, final int length, final SlotClaim claim)
    {
        try
        {
            return claimRecord(msgTypeId, length, claim);
        }
        catch (final InternalError fault)
        {
            throw ring.inaccessible(fault);
        }
    }

    private boolean claimRecord(final int msgTypeId, final int length, final SlotClaim claim)
    {
        checkOpen();
        checkMessage(msgTypeId, length);
        if (claimPending || claim.isActive())
        {
            throw pendingClaim();
        }
        final int recordLength = length + HEADER_LENGTH;
        final int span = span(recordLength, alignment, true);
        final int recordOffset = reserve(span, startsInSlot(recordLength, alignment, true));
        if (recordOffset == INSUFFICIENT_CAPACITY)
        {
            return false;
        }
        claimPending = true;
        claim.fill(this, data, recordOffset, msgTypeId, length, span);
        return true;
    }

    /**
     * Position after the last committed record; after a successful {@code claim}, and until its commit or abort,
     * the position where the claimed record starts (any padding before it is already committed).
     *
     * @return the producer's tail position.
     */
    public long tailPosition()
    {
        return tailPosition;
    }

    /**
     * Whether the record that starts at {@code position} was committed, by this producer or a predecessor that
     * died: the consumer's head is past it, or its header word is set. For a position a claim started at (see
     * {@link #tailPosition()}), asked before this producer writes anything: a new producer keeps its
     * predecessor's committed records and clears an uncommitted claim, so the answer is final. A store-and-forward
     * writer notes the position before committing and asks after a crash whether the commit happened.
     *
     * @param position a record's position.
     * @return true when it was committed.
     */
    public boolean isCommitted(final long position)
    {
        checkOpen();
        if (lvHead() > position)
        {
            return true;
        }
        if (position >= tailPosition)
        {
            return false;
        }
        final long word = dataWords.lvLong((int)position & mask);
        return recordLength(word) > 0 && msgTypeId(word) != PADDING_MSG_TYPE_ID;
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
        publish(claim.recordOffset, claim.span, headerWord(claim.msgTypeId, claim.length + HEADER_LENGTH));
    }

    void abortClaim(final SlotClaim claim)
    {
        // Nothing was published and the tail has not moved, but the caller may have written payload over words
        // where a later, shorter record's successor will start: zero the slot again.
        claimPending = false;
        ring.zeroRange(claim.recordOffset, claim.recordOffset + claim.span);
    }

    /**
     * Finds room for a record of {@code span} bytes at the tail, writing a padding record first when the record
     * would cross the end of the data area or, being small, would not start at a multiple of the alignment.
     *
     * @return the record's offset, or {@link #INSUFFICIENT_CAPACITY} when the ring is full.
     */
    private int reserve(final int span, final boolean slotted)
    {
        final long tail = tailPosition;
        final int tailOffset = (int)tail & mask;
        final int padding = paddingBefore(tail, span, slotted);
        final long end = tail + padding + span;

        if (end > cachedHeadLimit)
        {
            cachedHeadLimit = lvHead() + capacity;
            if (end > cachedHeadLimit)
            {
                return INSUFFICIENT_CAPACITY;
            }
        }

        if (padding == 0)
        {
            return tailOffset;
        }

        soRecordHeader(tailOffset, headerWord(PADDING_MSG_TYPE_ID, padding));
        tailPosition = tail + padding;
        soTail(tailPosition);
        return (int)tailPosition & mask;
    }

    private void publish(final int recordOffset, final int span, final long headerWord)
    {
        soRecordHeader(recordOffset, headerWord);
        tailPosition += span;
        soTail(tailPosition);
        consumerDoorbell.ring();
    }

    boolean hasRoom(final int recordLength)
    {
        return fits(tailPosition, lvHead(), recordLength);
    }

    /**
     * Walks the committed records from {@code from}: in an SPSC ring a non-zero header word is a commit (the
     * consumer zeroes what it consumed, a claim writes its header last), so the walk ends at the first zero word,
     * the claim of a predecessor that died holding one, or at a word that cannot be a header.
     *
     * @return the position after the last committed record, {@code from} when there is none.
     */
    private long endOfCommittedRecords(final long from, final long limit)
    {
        long position = from;
        while (position < limit)
        {
            final int offset = (int)position & mask;
            final long word = dataWords.lvLong(offset);
            final int recordLength = recordLength(word);
            final int msgTypeId = msgTypeId(word);
            final boolean padding = msgTypeId == PADDING_MSG_TYPE_ID;
            if (recordLength < HEADER_LENGTH || (!padding && (msgTypeId < MIN_USER_MSG_TYPE_ID ||
                recordLength > maxMessageLength + HEADER_LENGTH)))
            {
                break;
            }
            final int span = padding ? recordLength : span(recordLength, alignment, true);
            if (offset + span > capacity || position + span > limit)
            {
                break;
            }
            position += span;
        }
        return position;
    }

    private IllegalStateException pendingClaim()
    {
        return new IllegalStateException(queue + ": a claimed slot is not committed yet: commit or abort it first");
    }

    private long lvHead()
    {
        return headerWords.lvLong(HEAD_POSITION_OFFSET);
    }

    private long lvTail()
    {
        return headerWords.lvLong(TAIL_POSITION_OFFSET);
    }

    private long lvConsumed()
    {
        return headerWords.lvLong(CONSUMED_POSITION_OFFSET);
    }

    private void soTail(final long position)
    {
        headerWords.soLong(TAIL_POSITION_OFFSET, position);
    }

    /** Publishes a record: the header word is the commit, so everything written before it is visible first. */
    private void soRecordHeader(final int recordOffset, final long headerWord)
    {
        dataWords.soLong(recordOffset, headerWord);
    }
}
