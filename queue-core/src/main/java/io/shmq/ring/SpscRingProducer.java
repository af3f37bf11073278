package io.shmq.ring;

import io.shmq.errors.QueueClosedException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.region.MappingGuard;
import io.shmq.region.MappingUser;
import io.shmq.wait.Waiter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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
 * ring is full. Not thread-safe: one thread at a time; but {@link #close()} from any thread, at any moment: a call
 * inside finishes (or throws {@link QueueClosedException}), later calls throw, and an uncommitted claim's commit
 * throws. The role is given back when the last call inside returns.
 */
public final class SpscRingProducer extends AbstractRingProducer
{
    private final RoleOwnership ownership;
    private final Lifetime user;
    /** A last message {@link #closeWithLast} asked for, sent when the close finishes; null for none. */
    private volatile Farewell farewell;
    private long tailPosition;
    private long cachedHeadLimit;
    private boolean claimPending;
    /** The thread that made the pending claim: a close on that thread gives the claim up. */
    private Thread claimThread;

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
        user = new Lifetime(guard);
        try
        {
            ownership.acquire();
        }
        catch (final RuntimeException ex)
        {
            user.abandonConstruction();
            throw ex;
        }
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
            user.abandonConstruction();
            throw ex;
        }
        user.exit();
    }

    /**
     * {@inheritDoc}
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        user.enter();
        try
        {
            return offerRecord(msgTypeId, src, index, length);
        }
        catch (final InternalError fault)
        {
            throw ring.inaccessible(fault);
        }
        finally
        {
            user.exit();
        }
    }

    private boolean offerRecord(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
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
        user.enter();
        boolean claimed = false;
        try
        {
            claimed = claimRecord(msgTypeId, length, claim);
            return claimed;
        }
        catch (final InternalError fault)
        {
            throw ring.inaccessible(fault);
        }
        finally
        {
            // A claim stays inside the memory until its commit or abort: the caller writes into the slot.
            if (!claimed)
            {
                user.exit();
            }
        }
    }

    private boolean claimRecord(final int msgTypeId, final int length, final SlotClaim claim)
    {
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
        claimThread = Thread.currentThread();
        claim.fill(this, user, data, recordOffset, msgTypeId, length, span);
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
        user.enter();
        try
        {
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
        finally
        {
            user.exit();
        }
    }

    /**
     * {@inheritDoc}
     */
    public void close()
    {
        user.close();
    }

    /**
     * Closes this producer, sending one last message first if the ring has room for it when the close takes
     * effect (once no call is inside): a channel's goodbye, sent from whichever thread finishes the close, never
     * alongside a send of the producer's own thread.
     *
     * @param msgTypeId the last message's type.
     * @param src       its bytes, copied now.
     * @param index     their offset.
     * @param length    their length.
     */
    public void closeWithLast(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        checkMessage(msgTypeId, length);
        final byte[] copy = new byte[length];
        src.getBytes(index, copy);
        farewell = new Farewell(msgTypeId, copy);
        user.close();
    }

    MappingUser user()
    {
        return user;
    }

    void commitClaim(final SlotClaim claim)
    {
        if (!claimPending)
        {
            // Given up by a close on the claiming thread: it no longer holds the memory.
            throw closed();
        }
        try
        {
            claimPending = false;
            if (user.isClosing())
            {
                // The slot's header was never written: a successor clears what the caller wrote.
                throw closed();
            }
            publish(claim.recordOffset, claim.span, headerWord(claim.msgTypeId, claim.length + HEADER_LENGTH));
        }
        finally
        {
            user.exit();
        }
    }

    void abortClaim(final SlotClaim claim)
    {
        if (!claimPending)
        {
            throw closed();
        }
        try
        {
            // Nothing was published and the tail has not moved, but the caller may have written payload over
            // words where a later, shorter record's successor will start: zero the slot again.
            claimPending = false;
            ring.zeroRange(claim.recordOffset, claim.recordOffset + claim.span);
        }
        finally
        {
            user.exit();
        }
        if (user.isClosing())
        {
            throw closed();
        }
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

    /**
     * This producer's way into the ring's memory: a close wakes a thread waiting for space, and the role goes back
     * (after the last message {@link #closeWithLast} asked for) once no call is inside.
     */
    private final class Lifetime extends MappingUser
    {
        Lifetime(final MappingGuard guard)
        {
            super(guard);
        }

        @Override
        public QueueClosedException closedException()
        {
            return closed();
        }

        @Override
        protected void wakeSleepers()
        {
            if (spaceDoorbell != null)
            {
                spaceDoorbell.ring();
            }
        }

        @Override
        protected void beforeClose(final Thread closer)
        {
            // A claim of the closing thread itself is given up, as if that thread had died holding it: the role goes
            // back now and a successor clears the slot. Another thread's claim holds the role until its commit.
            if (claimPending && claimThread == closer)
            {
                claimPending = false;
                exit();
            }
        }

        @Override
        protected void finish()
        {
            try
            {
                // Nobody is inside here, so no claim is pending: a pending claim counts as inside.
                final Farewell last = farewell;
                if (last != null)
                {
                    offerRecord(last.msgTypeId, new UnsafeBuffer(last.bytes), 0, last.bytes.length);
                }
            }
            finally
            {
                ownership.release();
            }
        }
    }

    private static final class Farewell
    {
        final int msgTypeId;
        final byte[] bytes;

        Farewell(final int msgTypeId, final byte[] bytes)
        {
            this.msgTypeId = msgTypeId;
            this.bytes = bytes;
        }
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
