package io.shmq.channel;

import io.shmq.ShmQueue;
import io.shmq.errors.InvalidQueueException;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.wait.Doorbell;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A connection in progress, advanced one step at a time without blocking: the client's side of the handshake for
 * an event loop, which cannot wait inside {@link Channel#connect}. Each {@link #poll()} takes what steps it can:
 * open the channel's rings once a live server holds them, send HELLO with a fresh connection id, and look for the
 * WELCOME that carries it back (discarding what a dead client before us left). The deadline is the caller's.
 *
 * <pre>{@code
 * ChannelConnector connecting = ChannelConnector.start("quotes", config);
 * Channel channel;
 * while ((channel = connecting.poll()) == null)
 * {
 *     // other work; give up with connecting.close() and connecting.waitingFor() at your deadline
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one thread polls.
 */
public final class ChannelConnector implements AutoCloseable
{
    private final String name;
    private final ChannelConfig config;
    private final long connectionId = newConnectionId();
    private final UnsafeBuffer control = new UnsafeBuffer(new byte[ChannelControl.LENGTH]);
    private final ControlledMessageHandler awaitWelcome = this::onWelcome;
    private ShmQueue out;
    private ShmQueue in;
    private RingProducer producer;
    private RingConsumer consumer;
    private boolean helloSent;
    private boolean welcomed;
    private boolean done;
    private String waitingFor;

    private ChannelConnector(final String name, final ChannelConfig config)
    {
        this.name = name;
        this.config = config;
        this.waitingFor = "its ring " + name + Channel.CLIENT_TO_SERVER;
    }

    /**
     * Starts connecting to channel {@code name}; nothing waits, nothing fails yet if no server listens.
     *
     * @param name   the channel name (as given to {@link ChannelListener#listen}).
     * @param config must match the server's ring configuration.
     * @return the connection in progress; {@link #close()} it if you give up.
     */
    public static ChannelConnector start(final String name, final ChannelConfig config)
    {
        return new ChannelConnector(name, config);
    }

    /**
     * Takes the handshake's next steps, as far as they go without waiting.
     *
     * @return the connected channel (returned once; the caller owns it from then on), or null while the server
     * has not listened or answered yet.
     * @throws io.shmq.errors.QueueOwnershipException when another live client is connected to this channel.
     * @throws IllegalStateException when this connection already completed.
     * @throws ChannelClosedException when it was closed (by any thread; start a new one to connect).
     */
    public synchronized Channel poll()
    {
        if (done)
        {
            if (!welcomed)
            {
                throw new ChannelClosedException("connection to channel '" + name + "' was closed: start a new " +
                    "one to connect", ChannelState.CLOSED);
            }
            throw new IllegalStateException("connection to channel '" + name + "' already completed: it returned " +
                "its channel once");
        }
        if (out == null && !openWhenListening())
        {
            return null;
        }
        if (!helloSent)
        {
            ChannelControl.encode(control, connectionId, ProcessIdentity.current().token());
            if (!producer.offer(ChannelControl.HELLO_MSG_TYPE_ID, control, 0, ChannelControl.LENGTH))
            {
                waitingFor = "room for its HELLO in " + out.name();
                return null;
            }
            helloSent = true;
            waitingFor = "the server's answer (is it polling its listener, accept?)";
        }
        consumer.controlledRead(awaitWelcome, Integer.MAX_VALUE);
        if (!welcomed)
        {
            return null;
        }
        done = true;
        return new Channel(name, true, out, in, producer, consumer, connectionId, config, null);
    }

    /**
     * The doorbell of the ring the server answers in, to sleep on between polls.
     *
     * @return the doorbell, or null while the rings are not open (poll again after a short sleep).
     */
    public Doorbell messageDoorbell()
    {
        return consumer == null ? null : consumer.messageDoorbell();
    }

    /**
     * Sleeps until the server may have answered (on its ring, once open) or, before the rings exist, about a
     * millisecond; at most {@code timeoutNanos}.
     */
    void awaitProgress(final long timeoutNanos)
    {
        if (consumer != null)
        {
            consumer.awaitMessages(timeoutNanos);
            return;
        }
        try
        {
            Thread.sleep(Math.max(0, Math.min(1, timeoutNanos / 1_000_000)));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new ChannelTimeoutException("channel '" + name + "': interrupted while connecting");
        }
    }

    /**
     * What the connection waits for now, for a timeout's message.
     *
     * @return e.g. "a live server on its ring quotes.c2s".
     */
    public String waitingFor()
    {
        return waitingFor;
    }

    /**
     * The channel's name.
     *
     * @return the name being connected to.
     */
    public String name()
    {
        return name;
    }

    /**
     * Gives up: releases the rings this connection opened (nothing, once {@link #poll()} returned the channel).
     * Idempotent. Any thread may call it: a {@link #poll()} running meanwhile finishes first (it never waits
     * long), later polls throw {@link ChannelClosedException}, a sleep between polls ends with an exception of the
     * closed rings.
     */
    public synchronized void close()
    {
        if (done)
        {
            return;
        }
        done = true;
        if (out != null)
        {
            out.close();
        }
        if (in != null)
        {
            in.close();
        }
    }

    private boolean openWhenListening()
    {
        final String queueName = name + Channel.CLIENT_TO_SERVER;
        ShmQueue queue = null;
        try
        {
            queue = ShmQueue.open(queueName, config.rings());
            final long server = queue.header().consumerOwnerToken();
            if (server == 0 || OwnerState.of(server, queue.header().consumerOwnerNamespace()) == OwnerState.DEAD)
            {
                waitingFor = "a live server on its ring " + queueName;
                queue.close();
                return false;
            }
            final ShmQueue reply = ShmQueue.open(name + Channel.SERVER_TO_CLIENT, config.rings());
            try
            {
                producer = queue.producer();
                consumer = reply.consumer();
            }
            catch (final RuntimeException ex)
            {
                reply.close();
                throw ex;
            }
            out = queue;
            in = reply;
            return true;
        }
        catch (final InvalidQueueException notYet)
        {
            waitingFor = "its ring " + queueName + " (" + notYet.getMessage() + ")";
            if (queue != null)
            {
                queue.close();
            }
            return false;
        }
        catch (final RuntimeException ex)
        {
            if (queue != null)
            {
                queue.close();
            }
            throw ex;
        }
    }

    private ControlledMessageHandler.Action onWelcome(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == ChannelControl.WELCOME_MSG_TYPE_ID &&
            ChannelControl.connectionId(buffer, index, length) == connectionId)
        {
            welcomed = true;
            return ControlledMessageHandler.Action.BREAK;
        }
        // A leftover for a client before us: not ours.
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private static long newConnectionId()
    {
        long id;
        do
        {
            id = ThreadLocalRandom.current().nextLong();
        }
        while (id == 0);
        return id;
    }
}
