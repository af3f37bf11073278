package io.shmq.channel;

import io.shmq.ShmQueue;
import io.shmq.errors.QueueClosedException;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.process.ProcessIdentity;
import io.shmq.region.MappingGuard;
import io.shmq.region.MappingUser;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import io.shmq.ring.SpscRingProducer;
import io.shmq.wait.Awaitable;
import io.shmq.wait.Doorbell;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * A duplex link between two processes: two SPSC rings found by one name, {@code NAME.c2s} (client to server) and
 * {@code NAME.s2c}. The server {@link ChannelListener#listen listens} and {@link ChannelListener#accept accepts};
 * the client {@link #connect connects}. Each side then sends with {@link #offer}/{@link #claim} and receives with
 * {@link #poll}: whole messages, in order, never a partial read.
 *
 * <p>Connecting is a handshake on the rings themselves: the client sends HELLO with a fresh connection id, the
 * server answers WELCOME with it, and each side discards what it finds before that message (leftovers of a peer
 * that died), so a restarted peer starts clean. Closing sends CLOSE after the last message: the peer receives
 * everything sent before it, then sees {@link ChannelState#PEER_CLOSED}. A peer that dies is noticed by its
 * process identity (pid and start time, in the ring's owner word) within about
 * {@value #LIVENESS_CHECK_MILLIS} ms of polling or waiting, and a peer that stops polling by its heartbeat
 * ({@link ChannelConfig#peerTimeout()}). Messages the peer committed before it died are still delivered.
 *
 * <p>A channel's receiving side releases ring space at its next poll or wait ({@link RingConsumer#deferRelease}),
 * so an answer sent from a handler is not held back by the release of the request's slot.
 *
 * <p>A peer in another PID namespace (a container that shares {@code /dev/shm} but not pids) cannot be checked by
 * its pid: its death is then noticed by its heartbeat only, after {@link ChannelConfig#peerTimeout()}.
 * Not thread-safe: one thread sends and polls (or one sender and one poller, each its own thread).
 */
public final class Channel implements Awaitable, AutoCloseable
{
    /** Suffix of the client-to-server ring's queue name. */
    public static final String CLIENT_TO_SERVER = ".c2s";
    /** Suffix of the server-to-client ring's queue name. */
    public static final String SERVER_TO_CLIENT = ".s2c";
    /** How often an idle or waiting side checks that its peer lives. */
    public static final long LIVENESS_CHECK_MILLIS = 100;

    static final long LIVENESS_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(LIVENESS_CHECK_MILLIS);

    private final String name;
    private final boolean client;
    private final ShmQueue outQueue;
    private final ShmQueue inQueue;
    /** A channel's rings are SPSC ({@link ChannelConfig}); a server's is a session of its listener's producer. */
    private final SpscRingProducer producer;
    private final RingConsumer consumer;
    private final long connectionId;
    private final Runnable onClose;
    private final PeerLiveness liveness;
    private final UnsafeBuffer control = new UnsafeBuffer(new byte[ChannelControl.LENGTH]);
    private final ControlledMessageHandler filter = this::onFrame;
    /** The sending thread's and the polling thread's ways into both rings' headers, for liveness checks. */
    private final MappingUser[] sendSide;
    private final MappingUser[] pollSide;
    private MessageHandler userHandler;
    private ControlledMessageHandler controlledHandler;
    private volatile ChannelState state = ChannelState.CONNECTED;

    Channel(
        final String name,
        final boolean client,
        final ShmQueue outQueue,
        final ShmQueue inQueue,
        final RingProducer producer,
        final RingConsumer consumer,
        final long connectionId,
        final ChannelConfig config,
        final Runnable onClose)
    {
        this.name = name;
        this.client = client;
        this.outQueue = outQueue;
        this.inQueue = inQueue;
        this.producer = (SpscRingProducer)producer;
        this.consumer = consumer;
        this.connectionId = connectionId;
        this.onClose = onClose;
        this.liveness = new PeerLiveness(outQueue.header(), inQueue.region().buffer(),
            config.peerTimeout().toMillis());
        this.sendSide = new MappingUser[] {MappingUser.plain(inQueue.guard()), MappingUser.plain(outQueue.guard())};
        this.pollSide = new MappingUser[] {new PollingThread(inQueue.guard(), consumer),
            MappingUser.plain(outQueue.guard())};
        // Channels are polled in loops, and their handlers often answer at once: release at the next poll.
        consumer.deferRelease(true);
    }

    /**
     * Connects to the server listening on channel {@code name}, waiting for it to listen and to answer.
     *
     * @param name         the channel name (as given to {@link ChannelListener#listen}).
     * @param config       must match the server's ring configuration.
     * @param timeoutNanos how long to wait for a listening server and its answer.
     * @return the connected channel.
     * @throws ChannelTimeoutException when no server listened and answered in time.
     * @throws QueueOwnershipException when another live client is connected to this channel.
     */
    public static Channel connect(final String name, final ChannelConfig config, final long timeoutNanos)
    {
        return ChannelHandshake.connect(name, config, timeoutNanos);
    }

    /**
     * Sends a copy of a message to the peer, if the ring has room.
     *
     * @param msgTypeId the message type, 1 to {@link ChannelControl#MAX_USER_MSG_TYPE_ID}.
     * @param src       the bytes to send.
     * @param index     their offset in {@code src}.
     * @param length    their length, at most {@link #maxMessageLength()}.
     * @return false when the ring is full (the peer is behind): try again later.
     * @throws ChannelClosedException when the channel is not connected.
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int index, final int length)
    {
        checkSendable(msgTypeId);
        try
        {
            if (producer.offer(msgTypeId, src, index, length))
            {
                return true;
            }
        }
        catch (final QueueClosedException closed)
        {
            throw notConnected();
        }
        idleCheck(sendSide);
        return false;
    }

    /**
     * Claims a slot to write a message in place; {@link SlotClaim#commit()} sends it.
     *
     * @param msgTypeId the message type, 1 to {@link ChannelControl#MAX_USER_MSG_TYPE_ID}.
     * @param length    the payload length.
     * @param claim     filled with the slot.
     * @return false when the ring is full.
     * @throws ChannelClosedException when the channel is not connected.
     */
    public boolean claim(final int msgTypeId, final int length, final SlotClaim claim)
    {
        checkSendable(msgTypeId);
        try
        {
            if (producer.claim(msgTypeId, length, claim))
            {
                return true;
            }
        }
        catch (final QueueClosedException closed)
        {
            throw notConnected();
        }
        idleCheck(sendSide);
        return false;
    }

    /**
     * Waits until a message of {@code length} bytes fits, the channel stops being connected, or the timeout.
     *
     * @param length       the payload length to make room for.
     * @param timeoutNanos the longest wait.
     * @return true when there is room; false on timeout or when the channel is no longer connected.
     */
    public boolean awaitSpace(final int length, final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        while (state == ChannelState.CONNECTED)
        {
            final long left = deadline - System.nanoTime();
            try
            {
                if (producer.awaitSpace(length, Math.max(0, Math.min(left, LIVENESS_CHECK_NANOS))))
                {
                    return true;
                }
            }
            catch (final QueueClosedException closed)
            {
                return false;
            }
            checkPeer(sendSide);
            if (left <= 0)
            {
                return false;
            }
        }
        return false;
    }

    /**
     * Delivers up to {@code limit} messages from the peer to {@code handler}, in place (copy what you keep). Keeps
     * delivering what the peer committed even after it closed or died; returns 0 once the channel is closed by
     * this side.
     *
     * @param handler receives each message.
     * @param limit   the most messages to deliver.
     * @return the number delivered.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        if (state == ChannelState.CLOSED)
        {
            return 0;
        }
        userHandler = handler;
        controlledHandler = null;
        return deliver(limit);
    }

    /**
     * Like {@link #poll}, with a handler that may stop the poll: {@code ABORT} leaves the message it was given for
     * the next poll (a relay whose onward queue is full), {@code BREAK} stops after it; {@code COMMIT} counts as
     * {@code CONTINUE}.
     *
     * @param handler receives each message, and says whether to go on.
     * @param limit   the most messages to deliver.
     * @return the number delivered and not aborted.
     */
    public int controlledPoll(final ControlledMessageHandler handler, final int limit)
    {
        if (state == ChannelState.CLOSED)
        {
            return 0;
        }
        userHandler = null;
        controlledHandler = handler;
        return deliver(limit);
    }

    private int deliver(final int limit)
    {
        final int delivered;
        try
        {
            pollSide[0].enter();
            try
            {
                delivered = consumer.controlledRead(filter, limit);
            }
            finally
            {
                pollSide[0].exit();
            }
        }
        catch (final QueueClosedException closed)
        {
            // Closed by another thread meanwhile: as for a poll after the close.
            return 0;
        }
        if (delivered == 0 && state == ChannelState.CONNECTED)
        {
            idleCheck(pollSide);
        }
        return delivered;
    }

    /**
     * Sleeps until the peer sends something, the channel's state changes, or the timeout (spurious returns are
     * possible): the blocking wait of an idle side, on the futex when queue-native is on the class path. Keeps
     * this side's heartbeat fresh and checks the peer's liveness while it waits.
     *
     * @param timeoutNanos the longest sleep.
     * @return true when a message may be ready.
     */
    public boolean await(final long timeoutNanos)
    {
        return awaitMessages(timeoutNanos);
    }

    /**
     * Same as {@link #await(long)}.
     *
     * @param timeoutNanos the longest sleep.
     * @return true when a message may be ready.
     */
    public boolean awaitMessages(final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        while (state == ChannelState.CONNECTED)
        {
            final long left = deadline - System.nanoTime();
            // Each wait refreshes this side's heartbeat (RingConsumer.awaitMessages), at least every slice.
            try
            {
                pollSide[0].enter();
                try
                {
                    if (consumer.awaitMessages(Math.max(0, Math.min(left, LIVENESS_CHECK_NANOS))))
                    {
                        return true;
                    }
                }
                finally
                {
                    pollSide[0].exit();
                }
            }
            catch (final QueueClosedException closed)
            {
                return true;
            }
            checkPeer(pollSide);
            if (left <= 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Gets this side ready for a sleep it does not take in {@link #awaitMessages} (an event loop sleeping on the
     * doorbells of several channels at once): releases what the last poll delivered, refreshes this side's
     * heartbeat and, at most every {@value #LIVENESS_CHECK_MILLIS} ms, checks the peer. Call it before each such
     * sleep, and bound the sleep by {@value #LIVENESS_CHECK_MILLIS} ms so that the peer's checks see a heartbeat.
     *
     * @return true when a message is ready now (poll instead of sleeping), or the channel is no longer connected.
     */
    public boolean prepareToWait()
    {
        if (state == ChannelState.CLOSED)
        {
            return true;
        }
        final boolean ready;
        try
        {
            pollSide[0].enter();
            try
            {
                ready = consumer.prepareToWait();
            }
            finally
            {
                pollSide[0].exit();
            }
        }
        catch (final QueueClosedException closed)
        {
            return true;
        }
        if (liveness.checkDueNow())
        {
            checkPeer(pollSide);
        }
        return ready || state != ChannelState.CONNECTED;
    }

    /**
     * The doorbell the peer rings after each message it sends: announce on it to sleep until a message comes.
     *
     * @return the incoming ring's message doorbell.
     */
    public Doorbell messageDoorbell()
    {
        return consumer.messageDoorbell();
    }

    /**
     * The doorbell the peer rings after it released space in the outgoing ring: announce on it to sleep until a
     * send that found the ring full may fit.
     *
     * @return the outgoing ring's space doorbell.
     */
    public Doorbell spaceDoorbell()
    {
        return producer.spaceDoorbell();
    }

    /**
     * The channel's state, as of the last poll, send or wait.
     *
     * @return the state.
     */
    public ChannelState state()
    {
        return state;
    }

    /**
     * Whether messages can be exchanged.
     *
     * @return true while connected.
     */
    public boolean isConnected()
    {
        return state == ChannelState.CONNECTED;
    }

    /**
     * The largest message this side can send.
     *
     * @return the ring's max message length.
     */
    public int maxMessageLength()
    {
        return producer.maxMessageLength();
    }

    /**
     * The channel's name.
     *
     * @return the name given to listen and connect.
     */
    public String name()
    {
        return name;
    }

    /**
     * The id the client chose for this connection.
     *
     * @return a non-zero id, the same on both sides.
     */
    public long connectionId()
    {
        return connectionId;
    }

    /**
     * The peer's process.
     *
     * @return its identity (pid and start time).
     */
    public ProcessIdentity peer()
    {
        return ProcessIdentity.fromToken(liveness.peerToken());
    }

    /**
     * Sends CLOSE (if the peer is still there and the ring has room) and detaches: the client gives its ring roles
     * up, the server's listener may accept the next client. Idempotent. Any thread may close, at any moment: a send
     * running meanwhile finishes or throws {@link ChannelClosedException}, a poll finishes or returns 0, a wait
     * returns; the CLOSE goes out after the last send, on whichever thread lets go last, and the client's rings are
     * let go then too (see {@link ShmQueue#close()}). A server's listener accepts the next client once the calls
     * that were running on this channel have returned. May be called from a handler of {@link #poll}: the poll then
     * delivers nothing more.
     */
    public void close()
    {
        if (end(client ? 0 : LIVENESS_CHECK_NANOS))
        {
            if (!client && onClose != null)
            {
                onClose.run();
            }
        }
    }

    /**
     * Ends a server-side channel whose listener closes: CLOSE without waiting for room (the listener's close is
     * about to unmap the ring), and no hand-back to the listener.
     */
    void detach()
    {
        end(0);
    }

    /**
     * Marks this side closed and closes its producer, with CLOSE as its last message when the channel was
     * connected: sent by the producer itself once no send is running, never beside one of another thread. A full
     * ring skips it after {@code closeWaitNanos}; the peer then sees this side's role given up instead
     * (PEER_CLOSED).
     *
     * @return false when this side was closed already.
     */
    private boolean end(final long closeWaitNanos)
    {
        final ChannelState was;
        synchronized (this)
        {
            was = state;
            if (was == ChannelState.CLOSED)
            {
                return false;
            }
            state = ChannelState.CLOSED;
        }
        try
        {
            if (was == ChannelState.CONNECTED)
            {
                ChannelControl.encode(control, connectionId, ProcessIdentity.current().token());
                producer.lastMessage(ChannelControl.CLOSE_MSG_TYPE_ID, control, 0, ChannelControl.LENGTH,
                    closeWaitNanos);
            }
        }
        finally
        {
            if (client)
            {
                // Its producer, consumer and header readers with both rings, under one thread barrier.
                ShmQueue.closeAll(outQueue, inQueue);
            }
            else
            {
                producer.close();
                forgetHeaderReaders();
            }
        }
        return true;
    }

    /**
     * Whether no call of this server-side channel can still be using the listener's rings: its producer session is
     * finished (its CLOSE sent or skipped) and its polling thread is out of the consumer, which the listener's next
     * accept reads.
     */
    boolean isDetached()
    {
        return producer.isFinished() && pollSide[0].isFinished();
    }

    /**
     * The listener's rings outlive this server-side channel: its header readers leave their guards, which would
     * otherwise keep one pair per accepted connection.
     */
    private void forgetHeaderReaders()
    {
        MappingGuard.closeUsers(sendSide[0], sendSide[1], pollSide[0], pollSide[1]);
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "Channel{" + name + ", " + (client ? "client" : "server") + ", connection " +
            Long.toHexString(connectionId) + ", " + state + "}";
    }

    private ControlledMessageHandler.Action onFrame(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (state == ChannelState.CLOSED)
        {
            // A handler closed the channel during this poll: deliver nothing more.
            return ControlledMessageHandler.Action.ABORT;
        }
        if (!ChannelControl.isControl(msgTypeId))
        {
            if (userHandler != null)
            {
                userHandler.onMessage(msgTypeId, buffer, index, length);
                return ControlledMessageHandler.Action.CONTINUE;
            }
            final ControlledMessageHandler.Action action =
                controlledHandler.onMessage(msgTypeId, buffer, index, length);
            return action == ControlledMessageHandler.Action.COMMIT ? ControlledMessageHandler.Action.CONTINUE :
                action;
        }
        if (msgTypeId == ChannelControl.CLOSE_MSG_TYPE_ID &&
            ChannelControl.connectionId(buffer, index, length) == connectionId)
        {
            endWith(ChannelState.PEER_CLOSED);
            return ControlledMessageHandler.Action.BREAK;
        }
        if (msgTypeId == ChannelControl.HELLO_MSG_TYPE_ID && !client)
        {
            // A new client took over the ring, so ours is gone; the listener's next accept reads this HELLO.
            endWith(ChannelState.PEER_DIED);
            return ControlledMessageHandler.Action.ABORT;
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private ChannelClosedException notConnected()
    {
        final ChannelState now = state;
        return new ChannelClosedException("channel '" + name + "' is not connected (" + now + "): " +
            (now == ChannelState.CLOSED ? "it was closed by this side" : "connect again for a new one"), now);
    }

    private void checkSendable(final int msgTypeId)
    {
        if (state != ChannelState.CONNECTED)
        {
            throw notConnected();
        }
        if (msgTypeId > ChannelControl.MAX_USER_MSG_TYPE_ID)
        {
            throw new IllegalArgumentException("channel '" + name + "': message type ids above " +
                ChannelControl.MAX_USER_MSG_TYPE_ID + " are the channel's own, got " + msgTypeId);
        }
    }

    /**
     * Called when a poll or send found nothing to do: now and then, checks the peer.
     */
    private void idleCheck(final MappingUser[] side)
    {
        if (liveness.idleCheckDue())
        {
            checkPeer(side);
        }
    }

    /**
     * Checks the peer through one thread's ways into both rings' headers ({@code side}: the sending or the
     * polling thread's), so that a close from another thread never unmaps them under the check.
     */
    private void checkPeer(final MappingUser[] side)
    {
        if (state != ChannelState.CONNECTED)
        {
            return;
        }
        final ChannelState verdict;
        try
        {
            side[0].enter();
            try
            {
                side[1].enter();
                try
                {
                    verdict = liveness.check();
                }
                finally
                {
                    side[1].exit();
                }
            }
            finally
            {
                side[0].exit();
            }
        }
        catch (final QueueClosedException closed)
        {
            return;
        }
        if (verdict != null)
        {
            endWith(verdict);
        }
    }

    /**
     * The polling thread's way into the incoming ring: a close from another thread wakes it from a wait.
     */
    private static final class PollingThread extends MappingUser
    {
        private final RingConsumer consumer;

        PollingThread(final MappingGuard guard, final RingConsumer consumer)
        {
            super(guard);
            this.consumer = consumer;
            exit();
        }

        @Override
        protected void wakeSleepers()
        {
            if (consumer != null)
            {
                consumer.messageDoorbell().ring();
            }
        }
    }

    private synchronized void endWith(final ChannelState newState)
    {
        if (state == ChannelState.CONNECTED)
        {
            state = newState;
        }
    }

}
