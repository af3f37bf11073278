package io.shmq.rpc;

import io.shmq.ring.SlotClaim;
import org.agrona.MutableDirectBuffer;

/**
 * A claimed request or response slot seen from its body: write the body into {@link #buffer()} from
 * {@link #offset()} for {@link #length()} bytes, then {@link #commit()} (or {@link #abort()}). The correlation id
 * before it is already written. Reusable; one per thread.
 */
public final class BodyClaim
{
    final SlotClaim slot = new SlotClaim();

    /**
     * An empty claim, filled by {@link RequestClient#claim} or {@link Reply#claim}.
     */
    public BodyClaim()
    {
    }

    /**
     * The buffer to write the body into (the ring's).
     *
     * @return the ring's data buffer.
     */
    public MutableDirectBuffer buffer()
    {
        return slot.buffer();
    }

    /**
     * Offset of the first body byte in {@link #buffer()}.
     *
     * @return the body offset.
     */
    public int offset()
    {
        return slot.offset() + RpcFrame.BODY_OFFSET;
    }

    /**
     * The body length claimed.
     *
     * @return the length.
     */
    public int length()
    {
        return slot.length() - RpcFrame.BODY_OFFSET;
    }

    /**
     * Sends the message.
     */
    public void commit()
    {
        slot.commit();
    }

    /**
     * Gives the slot back unsent.
     */
    public void abort()
    {
        slot.abort();
    }

    /**
     * Whether the claim is filled and neither committed nor aborted.
     *
     * @return true while the slot is held.
     */
    public boolean isActive()
    {
        return slot.isActive();
    }

    void fill(final long correlationId)
    {
        slot.buffer().putLong(slot.offset() + RpcFrame.CORRELATION_ID_OFFSET, correlationId);
    }
}
