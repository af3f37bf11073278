package io.shmq.ring;

import io.shmq.layout.RecordDescriptor;
import io.shmq.region.MappingUser;
import org.agrona.MutableDirectBuffer;

/**
 * A slot claimed in the ring for zero-copy writing: write the payload into {@link #buffer()} from
 * {@link #offset()} for {@link #length()} bytes, then {@link #commit()} (or {@link #abort()}). A claim object is
 * reusable and owned by the caller: one per thread, allocated once; commit or abort it on the thread that claimed.
 * A claim holds the ring's memory mapped until then: when the queue is closed meanwhile, {@code commit} and
 * {@code abort} throw {@link io.shmq.errors.QueueClosedException} and nothing is published.
 *
 * <pre>{@code
 * final SlotClaim claim = new SlotClaim();
 * if (producer.claim(MSG_TYPE, 16, claim))
 * {
 *     claim.buffer().putLong(claim.offset(), orderId);
 *     claim.buffer().putLong(claim.offset() + 8, price);
 *     claim.commit();
 * }
 * }</pre>
 */
public final class SlotClaim
{
    /**
     * The references below stay after a commit and are stored only when they change: a claim used again and again
     * with one producer then pays no GC write barrier per claim, whose card check costs a StoreLoad fence once the
     * claim and the ring are in G1's old generation.
     */
    AbstractRingProducer producer;
    /** The thread's way into the ring's memory that this claim holds until its commit or abort. */
    MappingUser user;
    MutableDirectBuffer buffer;
    int recordOffset;
    int msgTypeId;
    int length;
    /** Bytes the record takes in the ring (see {@link io.shmq.layout.RecordDescriptor#span}). */
    int span;
    private boolean active;

    /**
     * An empty claim, filled by {@link RingProducer#claim(int, int, SlotClaim)}.
     */
    public SlotClaim()
    {
    }

    void fill(
        final AbstractRingProducer producer,
        final MappingUser user,
        final MutableDirectBuffer buffer,
        final int recordOffset,
        final int msgTypeId,
        final int length,
        final int span)
    {
        if (this.producer != producer)
        {
            this.producer = producer;
        }
        if (this.user != user)
        {
            this.user = user;
        }
        if (this.buffer != buffer)
        {
            this.buffer = buffer;
        }
        this.recordOffset = recordOffset;
        this.msgTypeId = msgTypeId;
        this.length = length;
        this.span = span;
        active = true;
    }

    /**
     * The buffer to write the payload into (the ring's data area).
     *
     * @return the ring's buffer.
     */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Offset of the first payload byte in {@link #buffer()}.
     *
     * @return the payload offset.
     */
    public int offset()
    {
        return recordOffset + RecordDescriptor.HEADER_LENGTH;
    }

    /**
     * Number of payload bytes claimed.
     *
     * @return the payload length.
     */
    public int length()
    {
        return length;
    }

    /**
     * Whether this claim holds a slot not yet committed or aborted.
     *
     * @return true while the slot is claimed.
     */
    public boolean isActive()
    {
        return active;
    }

    /**
     * Makes the message visible to the consumer.
     *
     * @throws IllegalStateException when nothing is claimed.
     * @throws io.shmq.errors.QueueClosedException when the producer was closed since the claim: not sent.
     */
    public void commit()
    {
        if (!active)
        {
            throw new IllegalStateException("no slot claimed: commit follows a successful claim, once");
        }
        active = false;
        producer.commitClaim(this);
    }

    /**
     * Gives the slot back; the consumer never sees it (an MPSC ring turns it into padding).
     *
     * @throws IllegalStateException when nothing is claimed.
     * @throws io.shmq.errors.QueueClosedException when the producer was closed since the claim (the slot is
     *                                             given back all the same).
     */
    public void abort()
    {
        if (!active)
        {
            throw new IllegalStateException("no slot claimed: abort follows a successful claim, once");
        }
        active = false;
        producer.abortClaim(this);
    }
}
