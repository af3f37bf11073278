package io.shmq.ring;

import io.shmq.errors.CorruptRecordException;
import io.shmq.errors.QueueClosedException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.region.MappingGuard;
import io.shmq.region.MappingUser;
import io.shmq.wait.Awaitable;
import io.shmq.wait.Doorbell;
import io.shmq.wait.WaitCondition;
import io.shmq.wait.Waiter;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;

import java.time.Duration;

import static io.shmq.layout.QueueHeaderDescriptor.CONSUMED_POSITION_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.CONSUMER_HEARTBEAT_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.HEAD_POSITION_OFFSET;
import static io.shmq.layout.QueueHeaderDescriptor.TAIL_POSITION_OFFSET;
import static io.shmq.layout.RecordDescriptor.HEADER_LENGTH;
import static io.shmq.layout.RecordDescriptor.MIN_ALIGNMENT;
import static io.shmq.layout.RecordDescriptor.MIN_USER_MSG_TYPE_ID;
import static io.shmq.layout.RecordDescriptor.PADDING_MSG_TYPE_ID;
import static io.shmq.layout.RecordDescriptor.align;
import static io.shmq.layout.RecordDescriptor.headerWord;
import static io.shmq.layout.RecordDescriptor.recordLength;
import static io.shmq.layout.RecordDescriptor.msgTypeId;
import static io.shmq.layout.RecordDescriptor.span;
import static io.shmq.layout.RecordDescriptor.startsInSlot;

/**
 * The one consumer of a ring. Messages are read in place: the handler sees the ring's buffer, the payload's offset
 * and length, and must copy anything it keeps after returning.
 *
 * <p>Records are found by their header words (acquire), so an empty poll touches one cache line the producer
 * writes and nothing else. The head is published once per read batch (and every quarter of the ring within a long
 * one). Before publishing it, the consumer zeroes every byte it consumed, so a header read later as non-zero is
 * always fresh, never a leftover of an earlier lap. That also leaves the lines modified in this core's cache, from
 * where the producer takes them for its next write: measured here, much faster than a producer that clears ahead
 * of itself, and zeroing whole lines is much faster than one word per alignment unit (see
 * {@link Ring#zeroRange}). First the consumer records the consumed position, so a successor of a consumer
 * that died while zeroing finishes the job instead of mistaking zeroed records for an empty ring.
 *
 * <p>A message whose handler throws counts as consumed: the exception propagates after the head has moved past
 * it. Not thread-safe: one thread at a time; but {@link #close()} from any thread (or from a handler), at any
 * moment: a read inside stops after the message being handled, a wait returns, later calls throw
 * {@link QueueClosedException}, and what was read is released and the role given back when the last call inside
 * returns.
 */
public final class RingConsumer implements Awaitable, AutoCloseable
{
    /** How long an MPSC claim may stay uncommitted at the head before the consumer skips it, by default. */
    public static final Duration DEFAULT_UNBLOCK_TIMEOUT = Duration.ofSeconds(5);

    private static final int HEARTBEAT_READ_MASK = 63;
    private static final int TAIL_CHECK_POLL_MASK = 63;
    /**
     * A read releases what it consumed whenever that reaches a quarter of the ring, not only at its end: with
     * large records on a small ring (64 KiB records, 1 MiB ring) a batch can cover the whole ring, and the
     * producer would wait for all of it to be zeroed. Measured: 64 KiB messages on a 1 MiB ring, 65-111 k msgs/s
     * releasing once per batch, 95-107 k with quarters (the checksumming receiver; same runs).
     */
    private static final int RELEASE_CHUNKS = 4;
    /** Read ends remembered for {@link #releaseTo}, one per 1/512 of the ring: a power of two. */
    private static final int READ_ENDS = 512;

    private final Ring ring;
    private final AtomicBuffer header;
    private final AtomicBuffer data;
    private final RingMemory headerWords;
    private final RingMemory dataWords;
    private final int capacity;
    private final int mask;
    private final int alignment;
    private final int maxRecordLength;
    /** Bytes a read releases at the latest, also within one batch, so producers of a full ring need not wait. */
    private final int releaseChunk;
    private final String queue;
    private final RoleOwnership ownership;
    private final Doorbell messageDoorbell;
    private final Doorbell spaceDoorbell;
    private final WaitCondition hasCommittedRecord = this::hasCommittedRecordOrClosed;
    private final Lifetime user;
    private long headPosition;
    private long releasedPosition;
    private boolean deferRelease;
    /** Whether space goes back only through {@link #releaseTo} (see {@link #retainUntilReleased}). */
    private boolean retain;
    /**
     * Where reads ended, while retaining, one per {@link #readEndSpacing} bytes read: record boundaries, from which
     * {@link #releaseTo} starts its check instead of from the released position. Walking every retained record's
     * header again cost a bridge's sender more than reading them (a sixth of its samples at 3 M msgs/s).
     */
    private long[] readEnds;
    private final int readEndSpacing;
    private int readEndCount;
    private long lastReadEnd;
    private final boolean sharedProducers;
    /** Whether records longer than the alignment are packed (SPSC; see {@code RecordDescriptor.span}). */
    private final boolean packed;
    private long unblockTimeoutNanos = DEFAULT_UNBLOCK_TIMEOUT.toNanos();
    private long stuckPosition = -1;
    private long stuckSinceNanos;
    private int emptyPolls;
    /** Whether a record longer than a slot was read since the last release (see {@link #zeroWrittenParts}). */
    private boolean longRecordsRead;
    private int readCalls;

    /**
     * Attaches as the ring's consumer, replacing a dead one.
     *
     * @param ring the validated ring.
     * @param waiter   how to sleep for messages and to wake producers waiting for space.
     * @throws io.shmq.errors.QueueOwnershipException when a live process is the consumer.
     */
    public RingConsumer(final Ring ring, final Waiter waiter)
    {
        this.ring = ring;
        this.header = ring.header();
        this.data = ring.data();
        this.headerWords = ring.headerWords;
        this.dataWords = ring.dataWords;
        this.capacity = ring.capacity();
        this.readEndSpacing = Math.max(capacity / READ_ENDS, MIN_ALIGNMENT);
        this.mask = capacity - 1;
        this.alignment = ring.alignment();
        this.maxRecordLength = ring.maxMessageLength() + HEADER_LENGTH;
        this.releaseChunk = capacity / RELEASE_CHUNKS;
        this.queue = ring.queue();
        this.sharedProducers = header.getInt(QueueHeaderDescriptor.RING_KIND_OFFSET) == RingKind.MPSC.code();
        this.packed = !sharedProducers;
        this.ownership = new RoleOwnership(ring, QueueHeaderDescriptor.CONSUMER_OWNER_OFFSET,
            QueueHeaderDescriptor.CONSUMER_OWNER_NAMESPACE_OFFSET, QueueHeaderDescriptor.CONSUMER_OWNER_LOCK_OFFSET,
            "consumer");
        messageDoorbell = ring.messageDoorbell(waiter);
        spaceDoorbell = ring.spaceDoorbell(waiter);
        user = new Lifetime(ring.guard());
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
            // This consumer is the only sleeper on the message doorbell: a count left by a dead one is stale.
            messageDoorbell.resetWaiters();

            headPosition = lvHead();
            final long consumed = lvConsumed();
            ring.checkPositions(headPosition, lvTail(), consumed);
            if (consumed > headPosition)
            {
                // The previous consumer handled these records and died while releasing them.
                release(headPosition, consumed);
                headPosition = consumed;
            }
            releasedPosition = headPosition;
            storeHeartbeat();
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
     * Delivers up to {@code limit} messages to {@code handler}, then releases their space to the producers.
     *
     * @param handler receives each message in place.
     * @param limit   the most messages to deliver in this call.
     * @return the number of messages delivered.
     * @throws CorruptRecordException when a record header cannot be right.
     */
    public int read(final MessageHandler handler, final int limit)
    {
        user.enter();
        try
        {
            return readRecords(handler, limit);
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

    private int readRecords(final MessageHandler handler, final int limit)
    {
        beginRead();

        final long head = headPosition;
        int messages = 0;
        int bytes = 0;
        long word = 0;
        try
        {
            while (messages < limit && bytes < capacity && !user.isClosing())
            {
                final long position = head + bytes;
                final int offset = (int)position & mask;
                word = lvRecordHeader(offset);
                final int recordLength = recordLength(word);
                if (recordLength <= 0)
                {
                    break;
                }
                final int msgTypeId = msgTypeId(word);
                bytes += checkRecord(position, offset, word, recordLength, msgTypeId);
                if (msgTypeId != PADDING_MSG_TYPE_ID)
                {
                    messages++;
                    handler.onMessage(msgTypeId, data, offset + HEADER_LENGTH, recordLength - HEADER_LENGTH);
                }
                if (head + bytes - releasedPosition >= releaseChunk)
                {
                    // Everything up to here was handled: give it back now rather than at the end of the batch.
                    headPosition = head + bytes;
                    releaseDelivered();
                }
            }
        }
        finally
        {
            if (bytes != 0)
            {
                headPosition = head + bytes;
                noteReadEnd(headPosition);
                if (!deferRelease)
                {
                    releaseDelivered();
                }
            }
        }
        if (bytes == 0 && sharedProducers)
        {
            idlePoll(word);
        }
        return messages;
    }

    /**
     * Delivers up to {@code limit} messages to {@code handler}, which steers the read with its returned action:
     * {@code CONTINUE}; {@code BREAK} (consume this one, stop); {@code ABORT} (leave this one unconsumed, stop);
     * {@code COMMIT} (consume this one and release everything so far now, continue).
     *
     * @param handler receives each message in place and returns an action.
     * @param limit   the most messages to deliver in this call.
     * @return the number of messages consumed (an aborted message is not counted).
     * @throws CorruptRecordException when a record header cannot be right.
     */
    public int controlledRead(final ControlledMessageHandler handler, final int limit)
    {
        user.enter();
        try
        {
            return controlledReadRecords(handler, limit);
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

    private int controlledReadRecords(final ControlledMessageHandler handler, final int limit)
    {
        beginRead();

        final long start = headPosition;
        long position = start;
        int messages = 0;
        long word = 0;
        try
        {
            while (messages < limit && position - releasedPosition < capacity && !user.isClosing())
            {
                final int offset = (int)position & mask;
                word = lvRecordHeader(offset);
                final int recordLength = recordLength(word);
                if (recordLength <= 0)
                {
                    break;
                }
                final int msgTypeId = msgTypeId(word);
                final int span = checkRecord(position, offset, word, recordLength, msgTypeId);
                if (msgTypeId == PADDING_MSG_TYPE_ID)
                {
                    position += span;
                    continue;
                }

                // Counted as consumed before the handler runs, so a throwing handler does not see it again; and
                // headPosition() tells the handler where this message ends (a bridge's resend position).
                position += span;
                headPosition = position;
                final ControlledMessageHandler.Action action =
                    handler.onMessage(msgTypeId, data, offset + HEADER_LENGTH, recordLength - HEADER_LENGTH);
                if (action == ControlledMessageHandler.Action.ABORT)
                {
                    position -= span;
                    break;
                }
                messages++;
                if (action == ControlledMessageHandler.Action.BREAK)
                {
                    break;
                }
                if (action == ControlledMessageHandler.Action.COMMIT)
                {
                    headPosition = position;
                    releaseDelivered();
                }
            }
        }
        finally
        {
            headPosition = position;
            if (position != start)
            {
                noteReadEnd(position);
            }
            if (!deferRelease)
            {
                releaseDelivered();
            }
        }
        if (position == start && sharedProducers)
        {
            idlePoll(word);
        }
        return messages;
    }

    /**
     * Sleeps until a record is committed at the head, a producer's wake-up, or the timeout: the blocking wait of
     * an idle consumer (see {@link io.shmq.wait.DoorbellIdleStrategy}). Spurious returns are possible.
     *
     * @param timeoutNanos the longest sleep.
     * @return true when a record is ready to read.
     */
    public boolean awaitMessages(final long timeoutNanos)
    {
        user.enter();
        try
        {
            final boolean ready = readyNow() || messageDoorbell.await(hasCommittedRecord, timeoutNanos);
            if (user.isClosing())
            {
                throw user.closedException();
            }
            return ready;
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * Gets this consumer ready for a sleep it does not take itself (an event loop sleeping on the
     * {@link #messageDoorbell()} of several rings at once): checks the ring is intact, refreshes the heartbeat,
     * releases what the last read delivered (see {@link #deferRelease}) and, in an MPSC ring, skips a claim stuck
     * at the head past the unblock timeout. {@link #awaitMessages} does the same before it sleeps.
     *
     * @return true when a record is ready now: read instead of sleeping.
     */
    public boolean prepareToWait()
    {
        user.enter();
        try
        {
            return readyNow();
        }
        finally
        {
            user.exit();
        }
    }

    private boolean readyNow()
    {
        ring.checkIntact();
        // An idle consumer reads rarely: keep its heartbeat fresh here, so it does not look gone.
        storeHeartbeat();
        releaseDelivered();
        if (sharedProducers && unblockIfStuck(headPosition))
        {
            return true;
        }
        return hasCommittedRecord();
    }

    /**
     * The doorbell producers ring after each commit: sleep on it (announce, re-check, sleep, withdraw) to wait for
     * messages together with other words.
     *
     * @return this ring's message doorbell.
     */
    public Doorbell messageDoorbell()
    {
        return messageDoorbell;
    }

    /**
     * {@inheritDoc}
     */
    public boolean await(final long timeoutNanos)
    {
        return awaitMessages(timeoutNanos);
    }

    /**
     * Position of the next record this consumer will read: inside a {@link #controlledRead} handler, the position
     * just past the message being handled. Everything before it is released, except, with
     * {@link #deferRelease(boolean)} on, what the last call delivered, and with {@link #retainUntilReleased} on,
     * everything after {@link #releasedPosition()}.
     *
     * @return the head position.
     */
    public long headPosition()
    {
        return headPosition;
    }

    /**
     * Position up to which the space of read messages went back to the producers: where a successor of this
     * consumer (after a crash, or after {@link #close}) starts reading.
     *
     * @return the released position, at most {@link #headPosition()}.
     */
    public long releasedPosition()
    {
        return releasedPosition;
    }

    /**
     * Store and forward: with {@code retain} on, messages stay in the ring after they are read, until
     * {@link #releaseTo} gives their space back, so a consumer that forwards them (a bridge to another host) lets a
     * message go only once the far side has it. A crash, or {@link #close}, leaves the retained messages to the next
     * consumer, which reads them again from {@link #releasedPosition()}; {@link #rewind} does the same in place. The
     * retained messages hold ring space: producers see a full ring when the far side falls behind, which is the
     * back-pressure. Off (the default) releases everything read so far now.
     *
     * @param retain true to release only through {@link #releaseTo}.
     * @return this consumer.
     */
    public RingConsumer retainUntilReleased(final boolean retain)
    {
        user.enter();
        try
        {
            this.retain = retain;
            if (!retain)
            {
                releaseDelivered();
            }
            else if (readEnds == null)
            {
                // Only a retaining consumer releases by position: the others need not carry the 4 KiB.
                readEnds = new long[READ_ENDS];
            }
            return this;
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * Gives the space of the messages read before {@code position} back to the producers (and to nobody else:
     * a successor starts after them). {@code position} must lie on a record boundary between
     * {@link #releasedPosition()} and {@link #headPosition()}: the end of a message as {@link #headPosition()} told
     * a {@link #controlledRead} handler; the records between the end of a recent read and {@code position} are
     * checked before anything is released (those before were checked when read), so a wrong position is refused
     * rather than tearing a record in two.
     *
     * @param position where the released part ends.
     * @throws IllegalArgumentException when {@code position} is outside that range or inside a record.
     */
    public void releaseTo(final long position)
    {
        user.enter();
        try
        {
            releaseRetained(position);
        }
        finally
        {
            user.exit();
        }
    }

    private void releaseRetained(final long position)
    {
        if (position < releasedPosition || position > headPosition)
        {
            throw new IllegalArgumentException(queue + ": cannot release to position " + position +
                ": it must lie between the released position " + releasedPosition + " and the head " + headPosition);
        }
        long at = releasedPosition;
        if (readEnds != null)
        {
            for (final long end : readEnds)
            {
                if (end > at && end <= position)
                {
                    at = end;
                }
            }
        }
        while (at < position)
        {
            final int offset = (int)at & mask;
            final long word = lvRecordHeader(offset);
            final int recordLength = recordLength(word);
            if (recordLength <= 0)
            {
                throw corrupt(at, offset, word, "no committed record where a read one should be");
            }
            at += checkRecord(at, offset, word, recordLength, msgTypeId(word));
        }
        if (at != position)
        {
            throw new IllegalArgumentException(queue + ": cannot release to position " + position +
                ": it lies inside the record that ends at " + at);
        }
        if (position != releasedPosition)
        {
            release(releasedPosition, position);
            releasedPosition = position;
        }
    }

    /**
     * Moves the read position back to {@link #releasedPosition()}: the next read delivers again every message read
     * but not released (retained, or deferred), in order. For a bridge whose link broke with messages in flight.
     */
    public void rewind()
    {
        if (user.isClosing())
        {
            throw user.closedException();
        }
        if (user.isEntered())
        {
            throw new IllegalStateException(queue + ": rewind from inside a read; return from the handler first");
        }
        headPosition = releasedPosition;
        stuckPosition = -1;
    }

    /**
     * How long an MPSC claim may stay uncommitted at the head before this consumer skips it: after that, the claim's
     * producer is taken for dead (or hopelessly stalled), its slot becomes padding, the header's unblocked-records
     * counter counts it, and the records behind it flow again. A producer that commits after that learns it
     * ({@link ClaimRevokedException}, or {@code offer} returning false): nothing is delivered twice or half-written.
     * The check runs while this consumer polls or waits. No effect on an SPSC ring, whose one producer's successor
     * cleans up after it.
     *
     * <p>Keep it well above the longest pause a live producer can take while it holds a claim (a GC pause, a
     * stopped process): a producer that resumes after its slot was revoked fails its commit, but payload it writes
     * into a claimed slot ({@link SlotClaim#buffer()}) before that lands in space the ring may already have
     * handed to another record. ({@code offer} checks its slot before it copies.) Aeron's equivalent defaults to
     * 15 s.
     *
     * @param timeout a positive duration; default {@link #DEFAULT_UNBLOCK_TIMEOUT}.
     * @return this consumer.
     */
    public RingConsumer unblockTimeout(final Duration timeout)
    {
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException(queue + ": unblock timeout must be positive: " + timeout);
        }
        unblockTimeoutNanos = timeout.toNanos();
        return this;
    }

    /**
     * Chooses when the space of delivered messages goes back to the producers. Off (the default): at the end of
     * each read. On: at the start of this consumer's next call ({@code read}, {@code controlledRead},
     * {@code awaitMessages}, {@code close}), so a consumer that answers what it reads (request/response) sends its
     * answer before the release stores: on x86 stores become visible in program order, and zeroing the slot just
     * read needs that cache line back from the producer's core, which would hold the answer back by one cache-line
     * transfer. Measured with 32 B ping-pong on this project's machine, the round trip's p50 went from 1.5 x to
     * 1.2 x the cache-line floor in the slow phase. Only for consumers that keep polling: one that stops calling
     * holds the space of its last batch, and after a crash that batch is delivered again to the next consumer.
     *
     * @param defer true to release at the next call; false releases anything pending now.
     * @return this consumer.
     */
    public RingConsumer deferRelease(final boolean defer)
    {
        user.enter();
        try
        {
            deferRelease = defer;
            if (!defer)
            {
                releaseDelivered();
            }
            return this;
        }
        finally
        {
            user.exit();
        }
    }

    /**
     * Stores the current time in the header's heartbeat, so producers and tools can tell a slow consumer from a
     * gone one. {@link #read} does it every 64 calls and {@link #awaitMessages} on every wait; call it from a
     * consumer that stops reading and waiting for a while.
     */
    public void heartbeat()
    {
        user.enter();
        try
        {
            storeHeartbeat();
        }
        finally
        {
            user.exit();
        }
    }

    private void storeHeartbeat()
    {
        header.putLongRelease(CONSUMER_HEARTBEAT_OFFSET, System.currentTimeMillis());
    }

    /**
     * Releases what was read and the consumer role, and refuses further calls. Any thread, any moment;
     * idempotent. A read running meanwhile (on its thread, or this one's handler) stops after the message being
     * handled, and the release happens when it returns; a thread waiting for messages wakes and throws
     * {@link QueueClosedException}.
     */
    public void close()
    {
        user.close();
    }

    /**
     * Whether {@link #close()} (this consumer's, or its queue's) began.
     *
     * @return true once closing.
     */
    public boolean isClosed()
    {
        return user.isClosing();
    }

    private void release(final long from, final long to)
    {
        soConsumed(to);
        if (sharedProducers && longRecordsRead)
        {
            longRecordsRead = false;
            zeroWrittenParts(from, to);
        }
        else
        {
            ring.zeroRange(from, to);
        }
        soHead(to);
        spaceDoorbell.ring();
    }

    /**
     * Zeroes {@code [from, to)} of an MPSC ring except the tails of long records' last slots: a record longer than
     * one slot is zeroed up to its length (rounded to 8), since nobody wrote the rest of its last slot and it is
     * still zero; everything else (short records, padding) is zeroed whole, in runs. Freshness needs only the words
     * where records start, and in an MPSC ring they start at slot boundaries, all of which lie within a record's
     * length. Leaving the untouched lines alone keeps them out of this core's cache: zeroing them too made every
     * lap move lines that the producer never writes (measured: MPSC 256 B in the VM's slow phase, 6-7 M msgs/s
     * zeroing whole slots against 25-36 M, same rounds). Short records keep bulk zeroing, which their rate needs.
     * A header that does not read as a handled record (a consumer that died while zeroing left it so) ends the
     * walk: the rest is zeroed whole.
     */
    private void zeroWrittenParts(final long from, final long to)
    {
        long runStart = from;
        long position = from;
        while (position < to)
        {
            final int offset = (int)position & mask;
            final long word = dataWords.lpLong(offset);
            final int length = recordLength(word);
            final boolean padding = msgTypeId(word) == PADDING_MSG_TYPE_ID;
            final int span = padding ? length : align(length, alignment);
            if (length < HEADER_LENGTH || span > to - position || span > capacity - offset)
            {
                break;
            }
            if (!padding && span > alignment)
            {
                if (runStart < position)
                {
                    ring.zeroRange(runStart, position);
                }
                dataWords.zero(offset, align(length, MIN_ALIGNMENT));
                runStart = position + span;
            }
            position += span;
        }
        if (runStart < to)
        {
            ring.zeroRange(runStart, to);
        }
    }

    private void noteReadEnd(final long position)
    {
        if (retain && position - lastReadEnd >= readEndSpacing)
        {
            readEnds[readEndCount++ & (READ_ENDS - 1)] = position;
            lastReadEnd = position;
        }
    }

    private void releaseDelivered()
    {
        if (!retain && releasedPosition != headPosition)
        {
            release(releasedPosition, headPosition);
            releasedPosition = headPosition;
        }
    }

    /**
     * After a poll that found nothing at the head of an MPSC ring: an in-progress header is checked at once, a zero
     * one (claimed but not yet marked, or nothing claimed) every 64 empty polls, since telling them apart reads
     * the tail, a line the producers write.
     */
    private void idlePoll(final long word)
    {
        if (recordLength(word) < 0 || (++emptyPolls & TAIL_CHECK_POLL_MASK) == 0)
        {
            unblockIfStuck(headPosition);
        }
    }

    /**
     * Skips the claim at {@code position} if it has been stuck there for the unblock timeout.
     *
     * @return true when something was turned into padding (a read now makes progress).
     */
    private boolean unblockIfStuck(final long position)
    {
        final int offset = (int)position & mask;
        final long word = lvRecordHeader(offset);
        if (recordLength(word) > 0 || (recordLength(word) == 0 && lvTail() <= position))
        {
            stuckPosition = -1;
            return false;
        }
        final long now = System.nanoTime();
        if (position != stuckPosition)
        {
            stuckPosition = position;
            stuckSinceNanos = now;
            return false;
        }
        if (now - stuckSinceNanos < unblockTimeoutNanos)
        {
            return false;
        }
        stuckPosition = -1;
        final boolean skipped = recordLength(word) < 0 ?
            skipMarkedClaim(position, offset, word) : skipUnmarkedClaims(position);
        if (skipped)
        {
            header.getAndAddLong(QueueHeaderDescriptor.counterOffset(
                QueueHeaderDescriptor.COUNTER_UNBLOCKED_RECORDS), 1);
        }
        return skipped;
    }

    /**
     * A claim marked in progress: its length is known, so the whole slot becomes one padding record (unless the
     * producer commits first).
     */
    private boolean skipMarkedClaim(final long position, final int offset, final long word)
    {
        final int recordLength = -recordLength(word);
        final int msgTypeId = msgTypeId(word);
        final int span = checkRecord(position, offset, headerWord(msgTypeId, recordLength), recordLength, msgTypeId);
        return casRecordHeader(offset, word, headerWord(PADDING_MSG_TYPE_ID, span));
    }

    /**
     * A claim whose producer died between moving the tail and marking its header: its length is unknown, but it
     * wrote nothing (payload comes after the mark), so every record-start word up to the next marked or committed
     * header, the tail or the end of the data area is zero. Each becomes a padding record of one alignment unit;
     * the CAS makes a producer that marks such a word later fail and claim anew.
     */
    private boolean skipUnmarkedClaims(final long position)
    {
        final long tail = lvTail();
        final long paddingWord = headerWord(PADDING_MSG_TYPE_ID, alignment);
        boolean skipped = false;
        for (long p = position; p < tail; p += alignment)
        {
            final int offset = (int)p & mask;
            if ((offset == 0 && p != position) || !casRecordHeader(offset, 0, paddingWord))
            {
                break;
            }
            skipped = true;
        }
        return skipped;
    }

    private boolean hasCommittedRecordOrClosed()
    {
        return user.isClosing() || hasCommittedRecord();
    }

    private boolean hasCommittedRecord()
    {
        return recordLength(lvRecordHeader((int)headPosition & mask)) > 0;
    }

    /**
     * Checks a committed header before anything is read behind it.
     *
     * @return the bytes the record takes in the ring.
     * @throws CorruptRecordException when it cannot be right.
     */
    private int checkRecord(
        final long position, final int offset, final long word, final int recordLength, final int msgTypeId)
    {
        if (msgTypeId == PADDING_MSG_TYPE_ID)
        {
            if ((recordLength & (MIN_ALIGNMENT - 1)) != 0 || offset + recordLength > capacity)
            {
                throw corrupt(position, offset, word, "padding is not a multiple of 8 or runs past the end of " +
                    "the data area");
            }
            return recordLength;
        }
        if (msgTypeId < MIN_USER_MSG_TYPE_ID)
        {
            throw corrupt(position, offset, word, "message type id " + msgTypeId + " is reserved");
        }
        if (recordLength < HEADER_LENGTH || recordLength > maxRecordLength)
        {
            throw corrupt(position, offset, word, "record length " + recordLength + " outside " + HEADER_LENGTH +
                ".." + maxRecordLength);
        }
        final int span = span(recordLength, alignment, packed);
        if (recordLength > alignment)
        {
            longRecordsRead = true;
        }
        if (startsInSlot(recordLength, alignment, packed) && (offset & (alignment - 1)) != 0)
        {
            throw corrupt(position, offset, word, "a record of " + recordLength + " bytes must start at a " +
                "multiple of the alignment (" + alignment + ")");
        }
        if (offset + span > capacity)
        {
            throw corrupt(position, offset, word, "record runs past the end of the data area");
        }
        return span;
    }

    private CorruptRecordException corrupt(
        final long position, final int offset, final long word, final String what)
    {
        return new CorruptRecordException(queue + ": corrupt record at position " + position + " (data offset " +
            offset + ", header word 0x" + Long.toHexString(word) + "): " + what + "; the queue cannot be read " +
            "past this point", position);
    }

    private void beginRead()
    {
        releaseDelivered();
        if ((++readCalls & HEARTBEAT_READ_MASK) == 0)
        {
            storeHeartbeat();
        }
    }

    /**
     * This consumer's way into the ring's memory: a close wakes a thread sleeping for messages, and what was read
     * is released and the role given back once no call is inside.
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
            return new QueueClosedException(queue + ": consumer is closed");
        }

        @Override
        protected void wakeSleepers()
        {
            if (messageDoorbell != null)
            {
                messageDoorbell.ring();
            }
        }

        @Override
        protected void finish()
        {
            try
            {
                releaseDelivered();
            }
            finally
            {
                ownership.release();
            }
        }
    }

    private long lvHead()
    {
        return headerWords.lvLong(HEAD_POSITION_OFFSET);
    }

    private void soHead(final long position)
    {
        headerWords.soLong(HEAD_POSITION_OFFSET, position);
    }

    private long lvTail()
    {
        return headerWords.lvLongVolatile(TAIL_POSITION_OFFSET);
    }

    private long lvConsumed()
    {
        return headerWords.lvLong(CONSUMED_POSITION_OFFSET);
    }

    private void soConsumed(final long position)
    {
        headerWords.soLong(CONSUMED_POSITION_OFFSET, position);
    }

    private long lvRecordHeader(final int recordOffset)
    {
        return dataWords.lvLong(recordOffset);
    }

    private boolean casRecordHeader(final int recordOffset, final long expected, final long update)
    {
        return dataWords.casLong(recordOffset, expected, update);
    }
}
