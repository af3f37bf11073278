package io.shmq.rpc;

import io.shmq.channel.Channel;
import io.shmq.channel.ChannelClosedException;
import io.shmq.channel.ChannelTimeoutException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.TimeUnit;

/**
 * The answer to the request being handled: {@link #send} a copy of a body, or {@link #claim} the response slot and
 * write the body in place, then {@link #commit}. Both wait (up to the server's reply timeout) while the client is
 * behind and the ring is full. Valid only during {@link RequestHandler#onRequest}; at most one response per request.
 */
public final class Reply
{
    private final Channel channel;
    private final long timeoutNanos;
    private final BodyClaim claim = new BodyClaim();
    private long correlationId;
    private boolean answered;

    Reply(final Channel channel, final long timeoutNanos)
    {
        this.channel = channel;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * The id of the request being answered.
     *
     * @return the correlation id.
     */
    public long correlationId()
    {
        return correlationId;
    }

    /**
     * Answers with a copy of {@code body}.
     *
     * @param msgTypeId the response type.
     * @param body      the body's bytes.
     * @param index     their offset.
     * @param length    their length.
     * @throws ChannelClosedException when the client is gone.
     * @throws ChannelTimeoutException when the ring stayed full for the reply timeout.
     */
    public void send(final int msgTypeId, final DirectBuffer body, final int index, final int length)
    {
        final MutableDirectBuffer buffer = claim(msgTypeId, length);
        buffer.putBytes(offset(), body, index, length);
        commit();
    }

    /**
     * Claims the response slot; write the body at {@link #offset()} of the returned buffer, then {@link #commit()}.
     *
     * @param msgTypeId the response type.
     * @param length    the body length.
     * @return the buffer to write the body into.
     * @throws ChannelClosedException when the client is gone.
     * @throws ChannelTimeoutException when the ring stayed full for the reply timeout.
     */
    public MutableDirectBuffer claim(final int msgTypeId, final int length)
    {
        if (answered)
        {
            throw new IllegalStateException("request " + correlationId + " is answered already");
        }
        final int frameLength = length + RpcFrame.BODY_OFFSET;
        while (!channel.claim(msgTypeId, frameLength, claim.slot))
        {
            if (!channel.awaitSpace(frameLength, timeoutNanos))
            {
                if (!channel.isConnected())
                {
                    throw new ChannelClosedException("channel '" + channel.name() + "': the client is gone (" +
                        channel.state() + "), request " + correlationId + " cannot be answered", channel.state());
                }
                throw new ChannelTimeoutException("channel '" + channel.name() + "': no room to answer request " +
                    correlationId + " for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: the client " +
                    "does not take its responses");
            }
        }
        answered = true;
        claim.fill(correlationId);
        return claim.buffer();
    }

    /**
     * Offset of the body in the buffer {@link #claim} returned.
     *
     * @return the body offset.
     */
    public int offset()
    {
        return claim.offset();
    }

    /**
     * Sends the claimed response.
     */
    public void commit()
    {
        claim.commit();
    }

    /**
     * Gives the claimed slot back: the request gets no answer.
     */
    public void abort()
    {
        claim.abort();
    }

    void begin(final long correlationId)
    {
        this.correlationId = correlationId;
        this.answered = false;
    }

    /**
     * After the handler: a claim it left open is given back, so the ring never stays blocked by it.
     */
    void end()
    {
        if (claim.isActive())
        {
            claim.abort();
        }
    }
}
