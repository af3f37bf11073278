package io.shmq.channel;

import io.shmq.ShmQueue;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.SpscRingProducer;
import io.shmq.wait.Doorbell;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The server side of a channel name: creates (or reopens, after a crash) the channel's two rings, holds the server's
 * roles on them, and accepts one client at a time, like a listening socket with a backlog of one. Closing the
 * listener removes the rings' files; a client still attached keeps its mapping until it closes.
 *
 * <pre>{@code
 * try (ChannelListener listener = ChannelListener.listen("orders", ChannelConfig.of(1 << 20)))
 * {
 *     try (Channel channel = listener.accept(TimeUnit.SECONDS.toNanos(30)))
 *     {
 *         while (channel.isConnected())
 *         {
 *             if (channel.poll(handler, 64) == 0)
 *             {
 *                 channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(100));
 *             }
 *         }
 *     }
 * }
 * }</pre>
 */
public final class ChannelListener implements AutoCloseable
{
    private static final long CLOSE_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    private final String name;
    private final ChannelConfig config;
    private final ShmQueue in;
    private final ShmQueue out;
    private final RingConsumer consumer;
    /** Holds the server's role on the outgoing ring; each accepted connection sends through a session of it. */
    private final SpscRingProducer producer;
    private final UnsafeBuffer control = new UnsafeBuffer(new byte[ChannelControl.LENGTH]);
    private final long[] hello = new long[1];
    private final ControlledMessageHandler awaitHello = (type, buffer, index, length) ->
    {
        if (type == ChannelControl.HELLO_MSG_TYPE_ID)
        {
            hello[0] = ChannelControl.connectionId(buffer, index, length);
            return ControlledMessageHandler.Action.BREAK;
        }
        // Anything else was sent on a connection that is over.
        return ControlledMessageHandler.Action.CONTINUE;
    };
    private volatile Channel current;
    /** The last channel closed, until no call of it can still be using the rings. */
    private volatile Channel detaching;
    private boolean closed;
    /** The thread waiting in {@link #accept}, which a close from another thread lets leave before unmapping. */
    private volatile Thread acceptor;
    /** Set first by {@link #close()}: an accept that sees it gives up. */
    private volatile boolean closing;

    private ChannelListener(final String name, final ChannelConfig config, final ShmQueue in, final ShmQueue out)
    {
        this.name = name;
        this.config = config;
        this.in = in;
        this.out = out;
        this.consumer = in.consumer();
        this.producer = (SpscRingProducer)out.producer();
    }

    /**
     * Listens on channel {@code name}: creates its rings, or opens those a dead server left and takes its roles
     * over.
     *
     * @param name   the channel name: a queue name of at most {@link io.shmq.QueueName#MAX_LENGTH} - 4 characters.
     * @param config the rings' configuration (an existing ring must match it).
     * @return the listener.
     * @throws io.shmq.errors.QueueOwnershipException when a live server listens on this name.
     */
    public static ChannelListener listen(final String name, final ChannelConfig config)
    {
        final ShmQueue in = ShmQueue.createOrOpen(name + Channel.CLIENT_TO_SERVER, config.rings());
        ShmQueue out = null;
        try
        {
            out = ShmQueue.createOrOpen(name + Channel.SERVER_TO_CLIENT, config.rings());
            return new ChannelListener(name, config, in, out);
        }
        catch (final RuntimeException ex)
        {
            in.close();
            if (out != null)
            {
                out.close();
            }
            throw ex;
        }
    }

    /**
     * Waits for a client's connection and answers it.
     *
     * @param timeoutNanos how long to wait for a client.
     * @return the connected channel; closing it lets this listener accept the next client.
     * @throws ChannelTimeoutException when no client connected in time.
     * @throws IllegalStateException when the channel accepted before is still connected.
     * @throws ChannelClosedException when this listener is closed, or was closed (by another thread) while waiting.
     */
    public Channel accept(final long timeoutNanos)
    {
        checkOpen();
        acceptor = Thread.currentThread();
        try
        {
            // After announcing this thread: a close that set the flag before is seen here, one after waits for us.
            checkNotClosing();
            retireCurrent();
            final long deadline = System.nanoTime() + timeoutNanos;
            awaitDetached(deadline);
            hello[0] = 0;
            ControlExchange.await(consumer, awaitHello, () -> hello[0] != 0 || closing, deadline, "channel '" +
                name + "': no client connected within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            checkNotClosing();
            return welcome(deadline);
        }
        finally
        {
            acceptor = null;
        }
    }

    /**
     * Answers a client whose HELLO has arrived, without waiting for one: the accept of an event loop, which
     * sleeps on {@link #messageDoorbell()} between calls.
     *
     * @return the connected channel, or null when no client is connecting.
     * @throws IllegalStateException when the channel accepted before is still connected.
     * @throws ChannelClosedException when this listener is closed.
     */
    public Channel tryAccept()
    {
        checkOpen();
        retireCurrent();
        if (detaching != null && !detaching.isDetached())
        {
            return null;
        }
        detaching = null;
        hello[0] = 0;
        consumer.controlledRead(awaitHello, Integer.MAX_VALUE);
        if (hello[0] == 0)
        {
            return null;
        }
        return welcome(System.nanoTime() + Channel.LIVENESS_CHECK_NANOS);
    }

    /**
     * The doorbell a connecting client's HELLO rings.
     *
     * @return the client-to-server ring's message doorbell.
     */
    public Doorbell messageDoorbell()
    {
        return consumer.messageDoorbell();
    }

    /**
     * Gets the listener ready for a sleep outside {@link #accept} (see {@link Channel#prepareToWait()}).
     *
     * @return true when a HELLO may be waiting: call {@link #tryAccept()} instead of sleeping.
     */
    public boolean prepareToWait()
    {
        checkOpen();
        return consumer.prepareToWait();
    }

    private void retireCurrent()
    {
        if (current != null)
        {
            if (current.state() == ChannelState.CONNECTED)
            {
                throw new IllegalStateException("channel '" + name + "' still has a connected client: close that " +
                    "channel before accepting another");
            }
            // Its peer is gone: close it, so that polling it cannot take the next client's messages.
            current.close();
        }
    }

    private Channel welcome(final long deadline)
    {
        final SpscRingProducer session = producer.openSession(out.waiter());
        boolean welcomed = false;
        try
        {
            ChannelControl.encode(control, hello[0], ProcessIdentity.current().token());
            ControlExchange.send(session, control, ChannelControl.WELCOME_MSG_TYPE_ID, deadline, name,
                "answer the client's HELLO");
            current = new Channel(name, false, out, in, session, consumer, hello[0], config, this::channelClosed);
            welcomed = true;
            return current;
        }
        finally
        {
            if (!welcomed)
            {
                session.close();
            }
        }
    }

    /**
     * Waits until no call of the channel closed last (on another thread, perhaps) is still using the rings.
     */
    private void awaitDetached(final long deadline)
    {
        final Channel last = detaching;
        if (last == null)
        {
            return;
        }
        while (!last.isDetached())
        {
            checkNotClosing();
            if (deadline - System.nanoTime() <= 0)
            {
                throw new ChannelTimeoutException("channel '" + name + "': a call on the connection closed last " +
                    "has not returned (a poll's handler, a send): let it return before accepting the next client");
            }
            LockSupport.parkNanos(CLOSE_POLL_NANOS);
        }
        detaching = null;
    }

    /**
     * The channel's name.
     *
     * @return the name clients connect to.
     */
    public String name()
    {
        return name;
    }

    /**
     * Closes the accepted channel (the client sees {@link ChannelState#PEER_CLOSED}), gives the server's roles up
     * and removes the rings' files. Idempotent. Any thread may call it, also while another waits in
     * {@link #accept} (that wait ends at once with an {@link IllegalStateException}) or uses the accepted channel
     * (its calls finish, or throw or return as after the channel's own close).
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closing = true;
        final Thread waiting = acceptor;
        if (waiting != null && waiting != Thread.currentThread())
        {
            // Its wait reads the ring that is unmapped below: a read of unmapped memory kills the JVM.
            while (acceptor != null)
            {
                consumer.messageDoorbell().ring();
                LockSupport.parkNanos(CLOSE_POLL_NANOS);
            }
        }
        try
        {
            final Channel accepted = current;
            if (accepted != null)
            {
                // Another thread may be sending on the accepted channel: the CLOSE goes out as its session's last
                // message once no send is running, never beside one.
                accepted.detach();
                current = null;
            }
        }
        finally
        {
            closed = true;
            // From a handler of the accepted channel's poll, the ring being read is unmapped when that read returns.
            in.close();
            out.close();
            ShmQueue.delete(in.name(), config.rings().directory());
            ShmQueue.delete(out.name(), config.rings().directory());
        }
    }

    private void channelClosed()
    {
        // On the thread that closed the channel: the next accept waits for its calls to return.
        synchronized (this)
        {
            detaching = current;
            current = null;
        }
    }

    private void checkNotClosing()
    {
        if (closing)
        {
            throw new ChannelClosedException("channel listener '" + name + "' was closed while accept waited",
                ChannelState.CLOSED);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new ChannelClosedException("channel listener '" + name + "' is closed: listen again to accept " +
                "clients", ChannelState.CLOSED);
        }
    }
}
