package io.shmq.ring;

import io.shmq.errors.QueueClosedException;
import io.shmq.region.MappingGuard;
import io.shmq.region.MappingUser;
import io.shmq.wait.Doorbell;
import io.shmq.wait.Waiter;
import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

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
 * the end of the data area). The claimed header is then marked "in progress" with the negative length, and the
 * commit turns it into the record's header; each checks first that the consumer has not taken the slot away
 * meanwhile: a claim the consumer found stuck at its head for longer than its unblock timeout (the producer died,
 * or stalled that long) is turned into padding so the queue flows again (see {@link RingConsumer}). A producer
 * that finds its slot revoked is told: {@code offer} returns false (send again), {@code commit} throws.
 * The consumer zeroes what it consumed before it moves the head, so every header a producer claims reads zero
 * until written. Every record takes a whole number of alignment slots (none is packed, as an SPSC ring packs long
 * ones): a claim its producer never marked can then be skipped slot by slot (see {@link RingConsumer}).
 *
 * <p>Each thread enters the ring's memory through a slot of its own (see {@link MappingUser}): the first thread to
 * use the producer through a field, the others through a {@link ThreadLocal}. {@link #close()} from any thread
 * closes every slot: calls inside finish or throw {@link QueueClosedException}, an uncommitted claim becomes
 * padding at its commit (which throws), and a claim must be committed or aborted by the thread that made it.
 */
public final class MpscRingProducer extends MpscHeadCachePadAfter
{
    private final Slot firstSlot;
    private final ThreadLocal<Slot> otherSlots = ThreadLocal.withInitial(this::newSlot);
    private final List<Slot> slots = new ArrayList<>();
    private boolean closed;

    /**
     * A producer for the validated MPSC ring.
     *
     * @param ring the ring.
     * @param waiter   how to wake a sleeping consumer and to sleep while the ring is full.
     */
    public MpscRingProducer(final Ring ring, final Waiter waiter)
    {
        super(ring, waiter);
        firstSlot = new Slot(guard, spaceDoorbell, queue);
        slots.add(firstSlot);
        cachedHeadLimit = lvHead() + capacity;
        firstSlot.exit();
    }

    /**
     * {@inheritDoc}
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        final Slot slot = user();
        slot.enter();
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
            slot.exit();
        }
    }

    private boolean offerRecord(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        checkMessage(msgTypeId, length);
        final int recordLength = length + HEADER_LENGTH;
        final int alignedLength = align(recordLength, alignment);
        // A record of one alignment unit needs no in-progress mark: its payload covers no other record-start word,
        // so the consumer can skip it as an unmarked claim. One store and one load less on the line it polls.
        final boolean mark = alignedLength != alignment;
        final int recordOffset = reserve(msgTypeId, recordLength, alignedLength, mark);
        if (recordOffset == INSUFFICIENT_CAPACITY)
        {
            return false;
        }
        final long inProgress = mark ? headerWord(msgTypeId, -recordLength) : 0L;
        if (mark && lvRecordHeader(recordOffset) != inProgress)
        {
            // Revoked already (we stalled past the consumer's unblock timeout): write nothing into released space.
            return false;
        }
        dataWords.copyFrom(recordOffset + HEADER_LENGTH, src, index, length);
        if (!publish(recordOffset, inProgress, headerWord(msgTypeId, recordLength)))
        {
            // Revoked while we copied (we stalled past the consumer's unblock timeout): not sent.
            return false;
        }
        consumerDoorbell.ring();
        return true;
    }

    /**
     * {@inheritDoc}
     */
    public boolean claim(final int msgTypeId, final int length, final SlotClaim claim)
    {
        final Slot slot = user();
        slot.enter();
        boolean claimed = false;
        try
        {
            claimed = claimRecord(slot, msgTypeId, length, claim);
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
                slot.exit();
            }
        }
    }

    private boolean claimRecord(final Slot slot, final int msgTypeId, final int length, final SlotClaim claim)
    {
        checkMessage(msgTypeId, length);
        if (claim.isActive())
        {
            throw new IllegalStateException(queue + ": this claim holds an uncommitted slot: commit or abort it first");
        }
        final int recordLength = length + HEADER_LENGTH;
        final int alignedLength = align(recordLength, alignment);
        final int recordOffset = reserve(msgTypeId, recordLength, alignedLength, true);
        if (recordOffset == INSUFFICIENT_CAPACITY)
        {
            return false;
        }
        claim.fill(this, slot, data, recordOffset, msgTypeId, length, alignedLength);
        return true;
    }

    /**
     * {@inheritDoc}
     */
    public void close()
    {
        final Slot[] closing;
        synchronized (slots)
        {
            closed = true;
            closing = slots.toArray(new Slot[0]);
        }
        MappingGuard.closeUsers(closing);
    }

    Slot user()
    {
        final Slot first = firstSlot;
        return first.owner == Thread.currentThread() ? first : otherSlot(first);
    }

    void commitClaim(final SlotClaim claim)
    {
        final MappingUser slot = claim.user;
        try
        {
            if (slot.isClosing())
            {
                // Not published: padding at once, so the consumer need not wait out its unblock timeout.
                padClaim(claim);
                throw closed();
            }
            final int recordLength = claim.length + HEADER_LENGTH;
            if (!publish(claim.recordOffset, headerWord(claim.msgTypeId, -recordLength),
                headerWord(claim.msgTypeId, recordLength)))
            {
                throw new ClaimRevokedException(queue + ": the claimed slot was revoked before its commit: the " +
                    "consumer found it stuck for longer than its unblock timeout and skipped it; the message was " +
                    "not sent (claim again and commit sooner, or raise the consumer's unblock timeout)");
            }
            consumerDoorbell.ring();
        }
        finally
        {
            slot.exit();
        }
    }

    void abortClaim(final SlotClaim claim)
    {
        final MappingUser slot = claim.user;
        try
        {
            padClaim(claim);
        }
        finally
        {
            slot.exit();
        }
        if (slot.isClosing())
        {
            throw closed();
        }
    }

    private void padClaim(final SlotClaim claim)
    {
        // The tail has moved past the slot: the consumer must be able to step over it. Already padding if revoked.
        casRecordHeader(claim.recordOffset, headerWord(claim.msgTypeId, -(claim.length + HEADER_LENGTH)),
            headerWord(PADDING_MSG_TYPE_ID, claim.span));
        // A sleeping consumer may be stuck behind this slot with committed records after it.
        consumerDoorbell.ring();
    }

    private Slot otherSlot(final Slot first)
    {
        final Thread current = Thread.currentThread();
        if (first.owner == null && Slot.OWNER.compareAndSet(first, null, current))
        {
            return first;
        }
        return otherSlots.get();
    }

    private Slot newSlot()
    {
        synchronized (slots)
        {
            if (closed)
            {
                throw closed();
            }
            slots.removeIf(Slot::abandoned);
            final Slot slot = new Slot(guard, spaceDoorbell, queue);
            slot.owner = Thread.currentThread();
            slots.add(slot);
            slot.exit();
            return slot;
        }
    }

    boolean hasRoom(final int recordLength)
    {
        return fits(lvTail(), lvHead(), recordLength);
    }

    private int reserve(final int msgTypeId, final int recordLength, final int alignedLength, final boolean mark)
    {
        long tail;
        int tailOffset;
        int padding;
        do
        {
            tail = lvTail();
            if ((tail & (alignment - 1)) != 0)
            {
                // A damaged header: never CAS a misaligned word (a split lock can be fatal).
                ring.checkPositions(lvHead(), tail, lvHead());
            }
            tailOffset = (int)tail & mask;
            // Every MPSC record starts at a multiple of the alignment, so only the wrap needs padding.
            padding = paddingBefore(tail, alignedLength, false);
            final long end = tail + padding + alignedLength;
            if (end > cachedHeadLimit)
            {
                final long headLimit = lvHead() + capacity;
                cachedHeadLimit = headLimit;
                if (end > headLimit)
                {
                    return INSUFFICIENT_CAPACITY;
                }
            }
        }
        while (!casTail(tail, tail + padding + alignedLength));

        int recordOffset = tailOffset;
        if (padding != 0)
        {
            // Fails only if the consumer already turned this stretch into padding: the same outcome.
            casRecordHeader(tailOffset, 0, headerWord(PADDING_MSG_TYPE_ID, padding));
            recordOffset = 0;
        }
        if (mark)
        {
            // A plain store: only a producer stopped for the unblock timeout between the tail CAS and this store
            // could find the word already revoked, and no safepoint lies between the two.
            soRecordHeader(recordOffset, headerWord(msgTypeId, -recordLength));
        }
        return recordOffset;
    }

    /**
     * Moves our header word from {@code expected} to {@code value}, unless the consumer revoked the slot.
     *
     * <p>A check, then a release store, not a CAS: the header's line is the one the consumer polls, and a locked
     * instruction there stalls the producer for a cross-core round trip each time (measured: MPSC throughput
     * halved with a CAS for the mark and one for the commit). The consumer revokes a slot only after it stayed
     * uncommitted for the unblock timeout, so the check misses a revocation only for a producer paused that long
     * between the check and the store; such a producer breaks the ring's promise anyway, by writing payload into
     * a slot it no longer owns (see {@link RingConsumer#unblockTimeout}).
     *
     * @return false when the slot was revoked.
     */
    private boolean publish(final int recordOffset, final long expected, final long value)
    {
        if (lvRecordHeader(recordOffset) != expected)
        {
            return false;
        }
        soRecordHeader(recordOffset, value);
        return true;
    }

    /**
     * One thread's way into the ring's memory. A close wakes threads waiting for space; a slot whose thread ended
     * is forgotten when another registers. Static, so that a thread's {@link ThreadLocal} value does not keep a
     * closed producer reachable.
     */
    static final class Slot extends MappingUser
    {
        static final VarHandle OWNER;

        static
        {
            try
            {
                OWNER = MethodHandles.lookup().findVarHandle(Slot.class, "owner", Thread.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        private final Doorbell spaceDoorbell;
        private final String queue;
        /** The thread that uses this slot; set once (the first slot's by the first thread to call). */
        Thread owner;

        Slot(final MappingGuard guard, final Doorbell spaceDoorbell, final String queue)
        {
            super(guard);
            this.spaceDoorbell = spaceDoorbell;
            this.queue = queue;
        }

        @Override
        public QueueClosedException closedException()
        {
            return new QueueClosedException(queue + ": producer is closed");
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
        protected boolean abandoned()
        {
            final Thread thread = owner;
            return thread != null && !thread.isAlive() && isIdle();
        }
    }

    private long lvHead()
    {
        return headerWords.lvLong(HEAD_POSITION_OFFSET);
    }

    private long lvTail()
    {
        return headerWords.lvLongVolatile(TAIL_POSITION_OFFSET);
    }

    private boolean casTail(final long expected, final long update)
    {
        return headerWords.casLong(TAIL_POSITION_OFFSET, expected, update);
    }

    private long lvRecordHeader(final int recordOffset)
    {
        return dataWords.lvLongVolatile(recordOffset);
    }

    private void soRecordHeader(final int recordOffset, final long headerWord)
    {
        dataWords.soLong(recordOffset, headerWord);
    }

    private boolean casRecordHeader(final int recordOffset, final long expected, final long update)
    {
        return dataWords.casLong(recordOffset, expected, update);
    }
}

/**
 * 128 bytes between the producer's read-mostly fields (read by every thread on every offer) and
 * {@link MpscHeadCache#cachedHeadLimit}, which any thread may write when the ring looks full: without them each such
 * write would take the line of the other fields away from every producing thread (and 128, not 64, because the
 * adjacent-line prefetcher moves lines in pairs).
 */
abstract class MpscHeadCachePadBefore extends AbstractRingProducer
{
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

    MpscHeadCachePadBefore(final Ring ring, final Waiter waiter)
    {
        super(ring, waiter, false);
    }
}

/**
 * The producers' shared cache of the consumer's head.
 */
abstract class MpscHeadCache extends MpscHeadCachePadBefore
{
    /** The consumer's head plus capacity, as last read: shared by threads, only ever a conservative limit. */
    long cachedHeadLimit;

    MpscHeadCache(final Ring ring, final Waiter waiter)
    {
        super(ring, waiter);
    }
}

/**
 * 128 bytes after {@link MpscHeadCache#cachedHeadLimit}, so that whatever the heap puts next does not share its lines.
 */
abstract class MpscHeadCachePadAfter extends MpscHeadCache
{
    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32, p33, p34, p35;

    MpscHeadCachePadAfter(final Ring ring, final Waiter waiter)
    {
        super(ring, waiter);
    }
}
