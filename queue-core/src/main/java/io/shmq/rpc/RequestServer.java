package io.shmq.rpc;

import io.shmq.channel.Channel;
import io.shmq.errors.ShmqException;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

import java.time.Duration;
import java.util.Objects;

/**
 * The answering side of a channel: each {@link #poll} hands requests to the handler in place, with a {@link Reply}
 * that writes the response straight into the channel's other ring. Requests are handled in the order they were
 * sent. Not thread-safe: one thread.
 *
 * <pre>{@code
 * RequestServer server = new RequestServer(channel, (type, buffer, index, length, reply) ->
 * {
 *     MutableDirectBuffer out = reply.claim(PRICE, 8);
 *     out.putLong(reply.offset(), priceOf(buffer.getLong(index)));
 *     reply.commit();
 * });
 * while (channel.isConnected())
 * {
 *     if (server.poll(64) == 0)
 *     {
 *         channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(100));
 *     }
 * }
 * }</pre>
 */
public final class RequestServer
{
    /** How long a reply waits for room in the ring by default. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(5);

    private final Channel channel;
    private final RequestHandler handler;
    private final Reply reply;
    private final MessageHandler frames = this::onFrame;

    /**
     * A server with the default reply timeout.
     *
     * @param channel the channel (usually the accepted side).
     * @param handler handles each request.
     */
    public RequestServer(final Channel channel, final RequestHandler handler)
    {
        this(channel, handler, DEFAULT_REPLY_TIMEOUT);
    }

    /**
     * A server.
     *
     * @param channel      the channel.
     * @param handler      handles each request.
     * @param replyTimeout how long a reply may wait for room before it fails.
     */
    public RequestServer(final Channel channel, final RequestHandler handler, final Duration replyTimeout)
    {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.reply = new Reply(channel, replyTimeout.toNanos());
    }

    /**
     * Handles up to {@code limit} requests.
     *
     * @param limit the most requests to handle.
     * @return the number handled.
     */
    public int poll(final int limit)
    {
        return channel.poll(frames, limit);
    }

    /**
     * The channel this server answers on.
     *
     * @return the channel.
     */
    public Channel channel()
    {
        return channel;
    }

    private void onFrame(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (length < RpcFrame.BODY_OFFSET)
        {
            throw new ShmqException("channel '" + channel.name() + "': a request of " + length + " bytes has no " +
                "correlation id: is the peer a RequestClient?");
        }
        reply.begin(buffer.getLong(index + RpcFrame.CORRELATION_ID_OFFSET));
        try
        {
            handler.onRequest(msgTypeId, buffer, index + RpcFrame.BODY_OFFSET, length - RpcFrame.BODY_OFFSET, reply);
        }
        finally
        {
            reply.end();
        }
    }
}
