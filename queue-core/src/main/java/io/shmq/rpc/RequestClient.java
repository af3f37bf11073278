package io.shmq.rpc;

import io.shmq.channel.Channel;
import io.shmq.channel.ChannelClosedException;
import io.shmq.errors.ShmqException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The requesting side of a channel: tags each request with a correlation id and hands each response to the
 * handler of its request. Many requests may be in flight: {@link #send} returns at once and {@link #poll} delivers
 * responses to the handler given at construction; {@link #request} sends one and waits for its own response,
 * delivering others that arrive meanwhile to that handler. Not thread-safe: one thread.
 *
 * <pre>{@code
 * RequestClient client = new RequestClient(channel, (id, type, buffer, index, length) -> { });
 * boolean answered = client.request(GET_PRICE, query, 0, queryLength,
 *     (id, type, buffer, index, length) -> price = buffer.getLong(index), TimeUnit.SECONDS.toNanos(1));
 * }</pre>
 */
public final class RequestClient
{
    /** What {@link #send} and {@link #claim} return when the channel's ring is full. */
    public static final long NOT_SENT = 0;

    private final Channel channel;
    private final ResponseHandler responses;
    private final BodyClaim copyClaim = new BodyClaim();
    private final MessageHandler frames = this::onFrame;
    private long lastCorrelationId;
    private long awaitedId;
    private ResponseHandler awaitedHandler;
    private boolean awaitedArrived;

    /**
     * A client over a connected channel.
     *
     * @param channel   the channel (usually the connecting side).
     * @param responses receives the responses {@link #poll} delivers, and those {@link #request} is not waiting for.
     */
    public RequestClient(final Channel channel, final ResponseHandler responses)
    {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    /**
     * Sends a copy of a request body, if the ring has room.
     *
     * @param msgTypeId the request type.
     * @param body      the body's bytes.
     * @param index     their offset.
     * @param length    their length, at most {@link #maxBodyLength()}.
     * @return the request's correlation id, or {@link #NOT_SENT} when the ring is full (poll, then retry).
     * @throws ChannelClosedException when the channel is not connected.
     */
    public long send(final int msgTypeId, final DirectBuffer body, final int index, final int length)
    {
        final long id = claim(msgTypeId, length, copyClaim);
        if (id != NOT_SENT)
        {
            copyClaim.buffer().putBytes(copyClaim.offset(), body, index, length);
            copyClaim.commit();
        }
        return id;
    }

    /**
     * Claims a request slot to write the body in place; {@link BodyClaim#commit()} sends it.
     *
     * @param msgTypeId the request type.
     * @param length    the body length.
     * @param claim     filled with the slot.
     * @return the request's correlation id, or {@link #NOT_SENT} when the ring is full.
     * @throws ChannelClosedException when the channel is not connected.
     */
    public long claim(final int msgTypeId, final int length, final BodyClaim claim)
    {
        if (!channel.claim(msgTypeId, length + RpcFrame.BODY_OFFSET, claim.slot))
        {
            return NOT_SENT;
        }
        final long id = ++lastCorrelationId;
        claim.fill(id);
        return id;
    }

    /**
     * Delivers up to {@code limit} responses to the handler given at construction.
     *
     * @param limit the most responses to deliver.
     * @return the number delivered.
     */
    public int poll(final int limit)
    {
        return channel.poll(frames, limit);
    }

    /**
     * Sends a request and waits for its response, which goes to {@code onResponse}; responses to other requests
     * arriving meanwhile go to the handler given at construction. While the ring is full it keeps taking responses,
     * so a server blocked on answering cannot dead-lock with it.
     *
     * @param msgTypeId    the request type.
     * @param body         the body's bytes.
     * @param index        their offset.
     * @param length       their length.
     * @param onResponse   receives this request's response.
     * @param timeoutNanos how long to wait for room and for the response together.
     * @return true when the response was delivered; false on timeout (a late response then goes to the handler
     *         given at construction).
     * @throws ChannelClosedException when the channel stops being connected before the response arrives.
     */
    public boolean request(
        final int msgTypeId,
        final DirectBuffer body,
        final int index,
        final int length,
        final ResponseHandler onResponse,
        final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        long id;
        while ((id = send(msgTypeId, body, index, length)) == NOT_SENT)
        {
            if (poll(Integer.MAX_VALUE) == 0 && !waitUntil(deadline))
            {
                return false;
            }
        }
        awaitedId = id;
        awaitedHandler = onResponse;
        awaitedArrived = false;
        try
        {
            while (!awaitedArrived)
            {
                if (poll(Integer.MAX_VALUE) == 0 && !awaitedArrived && !waitUntil(deadline))
                {
                    return false;
                }
            }
            return true;
        }
        finally
        {
            awaitedId = 0;
            awaitedHandler = null;
        }
    }

    /**
     * The largest request body the channel can carry.
     *
     * @return the channel's max message length less the correlation id.
     */
    public int maxBodyLength()
    {
        return channel.maxMessageLength() - RpcFrame.BODY_OFFSET;
    }

    /**
     * The channel this client sends on.
     *
     * @return the channel.
     */
    public Channel channel()
    {
        return channel;
    }

    /**
     * Waits a moment for responses; false once the deadline passed.
     */
    private boolean waitUntil(final long deadline)
    {
        if (!channel.isConnected())
        {
            // Drain first: a response committed before the server closed is still delivered.
            if (poll(Integer.MAX_VALUE) == 0)
            {
                throw new ChannelClosedException("channel '" + channel.name() + "' ended (" + channel.state() +
                    ") before the response arrived", channel.state());
            }
            return true;
        }
        final long left = deadline - System.nanoTime();
        if (left <= 0)
        {
            return false;
        }
        channel.awaitMessages(Math.min(left, TimeUnit.MILLISECONDS.toNanos(Channel.LIVENESS_CHECK_MILLIS)));
        return true;
    }

    private void onFrame(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (length < RpcFrame.BODY_OFFSET)
        {
            throw new ShmqException("channel '" + channel.name() + "': a response of " + length +
                " bytes has no correlation id: is the peer a RequestServer?");
        }
        final long id = buffer.getLong(index + RpcFrame.CORRELATION_ID_OFFSET);
        final int bodyIndex = index + RpcFrame.BODY_OFFSET;
        final int bodyLength = length - RpcFrame.BODY_OFFSET;
        if (id == awaitedId && awaitedHandler != null)
        {
            awaitedArrived = true;
            awaitedHandler.onResponse(id, msgTypeId, buffer, bodyIndex, bodyLength);
        }
        else
        {
            responses.onResponse(id, msgTypeId, buffer, bodyIndex, bodyLength);
        }
    }
}
