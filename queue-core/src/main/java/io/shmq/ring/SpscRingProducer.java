package io.shmq.ring;

import io.shmq.errors.QueueClosedException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.region.MappingGuard;
import io.shmq.region.MappingUser;
import io.shmq.wait.Waiter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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
 *
 * <p>A process that hands the sending over from one owner to the next (a channel listener, one accepted connection
 * after another) gives each its own {@link #openSession(Waiter) session}: a producer of the same ring and role that any
 * thread may close, with its own last message, while the role stays held.
 */
public final class SpscRingProducer extends AbstractRingProducer
{
    /** {@link #cachedHeadLimit} of a producer whose tail a session moved: its next send reads the tail again. */
    private static final long TAIL_STALE = Long.MIN_VALUE;
    private static final long FAREWELL_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private final RoleOwnership ownership;
    /** This producer and its open sessions: the last one finished gives the role back. */
    private final AtomicInteger holders;
    private final boolean session;
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
        holders = new AtomicInteger(1);
        session = false;
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
     * A session of {@code base}: same ring, waiter and role; starts at the tail the ring's header holds.
     */
    private SpscRingProducer(final SpscRingProducer base, final Waiter waiter)
    {
        super(base.ring, waiter, true);
        ownership = base.ownership;
        holders = base.holders;
        session = true;
        user = new Lifetime(guard);
        try
        {
            tailPosition = lvTail();
            cachedHeadLimit = lvHead() + capacity;
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * Opens a session: a producer of this ring for the next owner of the sending (an accepted connection), which
     * starts where the last session (or this producer) ended and which any thread may close, with a last message
     * of its own ({@link #closeWithLast}), while the role stays with this producer. Closing a session never gives
     * the role up; the role goes back when this producer and every session are closed.
     *
     * <p>One at a time: open a session only when this producer has no claim and the previous session
     * {@link #isFinished() is finished}, and send through this producer again only once the sessions are finished
     * (its next send then starts at their tail). Call it on the thread that used this producer last.
     *
     * @param waiter how the session wakes the consumer and sleeps while the ring is full.
     * @return the session, open.
     * @throws QueueClosedException when this producer is closed.
     * @throws IllegalStateException when this producer holds a claim, or is itself a session.
     */
    public SpscRingProducer openSession(final Waiter waiter)
    {
        if (session)
        {
            throw new IllegalStateException(queue + ": a session cannot open sessions: open them on its producer");
        }
        user.enter();
        try
        {
            if (claimPending)
            {
                throw pendingClaim();
            }
            holders.incrementAndGet();
            boolean opened = false;
            try
            {
                final SpscRingProducer next = new SpscRingProducer(this, waiter);
                // The session moves the tail: this producer's next send reads it from the header again.
                cachedHeadLimit = TAIL_STALE;
                opened = true;
                return next;
            }
            finally
            {
                if (!opened)
                {
                    holders.decrementAndGet();
                }
            }
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * Whether this producer is finished: closed, its last message sent or skipped, nobody inside. The next
     * session of its ring may open then.
     *
     * @return true once finished.
     */
    public boolean isFinished()
    {
        return user.isFinished();
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
        final Thread current = Thread.currentThread();
        if (claimThread != current)
        {
            // Stored only when it changes: no GC write barrier per claim (see SlotClaim).
            claimThread = current;
        }
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
            if (cachedHeadLimit == TAIL_STALE)
            {
                resyncTail();
            }
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
        closeWithLast(msgTypeId, src, index, length, 0);
    }

    /**
     * Like {@link #closeWithLast(int, DirectBuffer, int, int)}, waiting up to {@code waitNanos} for room for the
     * last message when the close takes effect (on the thread that finishes it, after the last call inside
     * returned): a session's goodbye to a peer that is a little behind.
     *
     * @param msgTypeId the last message's type.
     * @param src       its bytes, copied now.
     * @param index     their offset.
     * @param length    their length.
     * @param waitNanos the longest wait for room; 0 skips the message at once when the ring is full.
     */
    public void closeWithLast(
        final int msgTypeId, final DirectBuffer src, final int index, final int length, final long waitNanos)
    {
        lastMessage(msgTypeId, src, index, length, waitNanos);
        user.close();
    }

    /**
     * Sets the message this producer sends last, however it is closed ({@link #close()} or its queue's close):
     * sent once no call is inside, if the ring has room for it within {@code waitNanos}. Any thread; the last
     * call wins.
     *
     * @param msgTypeId the last message's type.
     * @param src       its bytes, copied now.
     * @param index     their offset.
     * @param length    their length.
     * @param waitNanos the longest wait for room at the close; 0 skips the message at once when the ring is full.
     */
    public void lastMessage(
        final int msgTypeId, final DirectBuffer src, final int index, final int length, final long waitNanos)
    {
        checkMessage(msgTypeId, length);
        final byte[] copy = new byte[length];
        src.getBytes(index, copy);
        farewell = new Farewell(msgTypeId, copy, waitNanos);
    }

    MappingUser user()
    {
        return user;
    }

    void commitClaim(final SlotClaim claim)
    {
        final Lifetime user = this.user;
        if (user.isClosing())
        {
            // The slot's header was never written: a successor clears what the caller wrote.
            throw refuseClaim();
        }
        try
        {
            claimPending = false;
            publish(claim.recordOffset, claim.span, headerWord(claim.msgTypeId, claim.length + HEADER_LENGTH));
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * Ends a claim that a close overtook: the claim leaves the memory, unless a close on the claiming thread gave it
     * up already (and left for it: a close sets the closing flag only after that).
     */
    private QueueClosedException refuseClaim()
    {
        if (claimPending)
        {
            claimPending = false;
            user.exit();
        }
        return closed();
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
            if (cachedHeadLimit == TAIL_STALE)
            {
                resyncTail();
                return reserve(span, slotted);
            }
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

    /**
     * Sessions sent since this producer's last send: go on from where they ended.
     */
    private void resyncTail()
    {
        tailPosition = lvTail();
        cachedHeadLimit = lvHead() + capacity;
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
        if (cachedHeadLimit == TAIL_STALE)
        {
            resyncTail();
        }
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
                    sendFarewell(last);
                }
            }
            finally
            {
                if (holders.decrementAndGet() == 0)
                {
                    ownership.release();
                }
            }
        }
    }

    /**
     * Sends the last message from {@link Lifetime#finish()}: nobody else is inside, and the memory is mapped until
     * this returns, so the wait for room polls the head rather than sleeping on the space doorbell.
     */
    private void sendFarewell(final Farewell last)
    {
        final UnsafeBuffer message = new UnsafeBuffer(last.bytes);
        final long deadline = System.nanoTime() + last.waitNanos;
        while (!offerRecord(last.msgTypeId, message, 0, last.bytes.length) && deadline - System.nanoTime() > 0)
        {
            LockSupport.parkNanos(FAREWELL_POLL_NANOS);
        }
    }

    private static final class Farewell
    {
        final int msgTypeId;
        final byte[] bytes;
        final long waitNanos;

        Farewell(final int msgTypeId, final byte[] bytes, final long waitNanos)
        {
            this.msgTypeId = msgTypeId;
            this.bytes = bytes;
            this.waitNanos = waitNanos;
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
