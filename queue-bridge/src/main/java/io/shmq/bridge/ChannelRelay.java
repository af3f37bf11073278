package io.shmq.bridge;

import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelConnector;
import io.shmq.channel.ChannelControl;
import io.shmq.channel.ChannelListener;
import io.shmq.channel.ChannelState;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import org.agrona.CloseHelper;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.ControlledMessageHandler.Action;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * One host's end of a bridged channel: a real channel endpoint on this host, whose messages it relays through a
 * pair of bridged queues. On the clients' host it listens on the channel's name, as a local server would; on the
 * server's host it connects to the local server, as a local client would. So each side keeps the local channel's
 * handshake and liveness: a client sees its relay close or die, a server sees its relay's connection end.
 *
 * <p>What crosses between the relays, in the two bridged queues, is the channel's user messages with their type
 * ids, and three markers of the connection they belong to (type ids in the channel's reserved range, 8 bytes:
 * the connection's number):
 * <pre>
 *   clients' host  --OPEN n, messages, SHUT n-->    server's host     (a client connected; it left)
 *   clients' host  <--OPENED n, messages, SHUT n--  server's host     (the server answered; it left)
 * </pre>
 * The clients' host drops what comes back until the OPENED of its current connection, so nothing a server sent
 * to an earlier client reaches a later one; the server's host holds the messages after an OPEN until the local
 * server accepted, and drops messages of a connection that is over.
 */
final class ChannelRelay implements Agent
{
    /** A client connected on the clients' host: the server's host connects to its server. */
    static final int OPEN_MSG_TYPE_ID = ChannelControl.MAX_USER_MSG_TYPE_ID + 1;
    /** The server's host's connection for that client is up: what follows is the server's. */
    static final int OPENED_MSG_TYPE_ID = ChannelControl.MAX_USER_MSG_TYPE_ID + 2;
    /** That side's end of the connection is over (closed, died, or never came up). */
    static final int SHUT_MSG_TYPE_ID = ChannelControl.MAX_USER_MSG_TYPE_ID + 3;
    private static final int MARKER_LENGTH = 8;
    private static final int LIMIT = 64;

    private final String name;
    private final boolean clientsHost;
    private final ChannelConfig channelConfig;
    private final long connectTimeoutNanos;
    private final long peerTimeoutNanos;
    private final RingProducer out;
    private final RingConsumer in;
    private final ChannelListener listener;
    private final UnsafeBuffer marker = new UnsafeBuffer(new byte[MARKER_LENGTH]);
    private final ControlledMessageHandler toChannel = this::toChannel;
    private final ControlledMessageHandler fromChannel = this::fromChannel;
    private Channel channel;
    private ChannelConnector connecting;
    private long connectingSinceNanos;
    /** The connection the local channel belongs to (clients' host: the one whose OPENED came back). */
    private long connection;
    /** Clients' host: the number of the connection last opened; its OPENED lets messages through. */
    private long opened;
    private long nextConnection = System.nanoTime();
    /** Server's host: the connection given up for want of a server, whose OPEN is then dropped. */
    private long refused;
    /** A marker that found the outgoing queue full, to offer again before anything else. */
    private int pendingMarker;
    private long pendingConnection;
    private long relayedOut;
    private long relayedIn;
    private boolean started;
    private RuntimeException lastConnectFailure;
    /** When the other host's stream was last seen gone, or 0 while it is there. */
    private long linkDownSinceNanos;

    ChannelRelay(final String name, final boolean clientsHost, final ChannelConfig channelConfig,
        final long connectTimeoutNanos, final ShmQueue outgoing, final ShmQueue incoming)
    {
        this.name = name;
        this.clientsHost = clientsHost;
        this.channelConfig = channelConfig;
        this.connectTimeoutNanos = connectTimeoutNanos;
        this.peerTimeoutNanos = channelConfig.peerTimeout().toNanos();
        RingProducer producer = null;
        RingConsumer consumer = null;
        try
        {
            producer = outgoing.producer();
            consumer = incoming.consumer();
            this.listener = clientsHost ? ChannelListener.listen(name, channelConfig) : null;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(producer, consumer);
            throw ex;
        }
        this.out = producer;
        this.in = consumer;
    }

    @Override
    public int doWork()
    {
        if (!started)
        {
            // Whatever connection a predecessor of this relay had is over: SHUT 0 tells the other host so.
            started = true;
            mark(SHUT_MSG_TYPE_ID, 0);
        }
        if (pendingMarker != 0 && !mark(pendingMarker, pendingConnection))
        {
            return 0;
        }
        int work = clientsHost ? acceptClient() : connectToServer();
        if (channel != null && linkDownSinceNanos != 0 &&
            System.nanoTime() - linkDownSinceNanos > peerTimeoutNanos)
        {
            // The other host's relay is gone and has not come back (a restart would have sent SHUT 0): the local
            // peer learns it as it would learn of a local peer's death, after the peer timeout. The SHUT goes
            // when the link is back.
            endLocal(true);
            work++;
        }
        if (channel != null)
        {
            work += channel.controlledPoll(fromChannel, LIMIT);
            if (channel != null && channel.state() != ChannelState.CONNECTED)
            {
                // The local peer closed or died. A channel reports either only after the last message before it
                // (a CLOSE comes after them; a death is noticed by a poll that found the ring empty), so all of it
                // was relayed above: now the end.
                endLocal(true);
                work++;
            }
        }
        work += in.controlledRead(toChannel, LIMIT);
        return work;
    }

    private int acceptClient()
    {
        if (channel != null)
        {
            return 0;
        }
        final Channel accepted = listener.tryAccept();
        if (accepted == null)
        {
            return 0;
        }
        channel = accepted;
        connection = nextConnection++;
        mark(OPEN_MSG_TYPE_ID, connection);
        return 1;
    }

    private int connectToServer()
    {
        if (connecting == null)
        {
            return 0;
        }
        Channel connected = null;
        try
        {
            connected = connecting.poll();
        }
        catch (final RuntimeException ex)
        {
            // E.g. another client holds the server's channel: this connection cannot be made.
            lastConnectFailure = ex;
            connectingSinceNanos = Long.MIN_VALUE / 2;
        }
        if (connected != null)
        {
            connecting = null;
            channel = connected;
            mark(OPENED_MSG_TYPE_ID, connection);
            return 1;
        }
        if (System.nanoTime() - connectingSinceNanos > connectTimeoutNanos)
        {
            // No server: the client's end hears of it as a close, not as silence.
            connecting.close();
            connecting = null;
            mark(SHUT_MSG_TYPE_ID, connection);
            refused = connection;
            connection = 0;
            return 1;
        }
        return 0;
    }

    /** Closes the local channel; {@code tell}: a SHUT to the other host. */
    private void endLocal(final boolean tell)
    {
        final long ended = connection;
        CloseHelper.quietClose(channel);
        channel = null;
        connection = 0;
        if (tell)
        {
            mark(SHUT_MSG_TYPE_ID, ended);
        }
    }

    private Action fromChannel(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (pendingMarker != 0 || !out.offer(type, buffer, index, length))
        {
            return Action.ABORT;
        }
        relayedOut++;
        return Action.CONTINUE;
    }

    private Action toChannel(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (pendingMarker != 0)
        {
            return Action.ABORT;
        }
        if (type > ChannelControl.MAX_USER_MSG_TYPE_ID)
        {
            return onMarker(type, length == MARKER_LENGTH ? buffer.getLong(index) : 0);
        }
        if (connecting != null)
        {
            // Server's host: held until the server accepted.
            return Action.ABORT;
        }
        if (clientsHost && opened != connection || channel == null || channel.state() != ChannelState.CONNECTED)
        {
            // Sent to an earlier client (or before this one's OPENED), or to a connection that is over: dropped.
            return Action.CONTINUE;
        }
        if (!channel.offer(type, buffer, index, length))
        {
            return Action.ABORT;
        }
        relayedIn++;
        return Action.CONTINUE;
    }

    private Action onMarker(final int type, final long number)
    {
        if (clientsHost)
        {
            if (type == OPENED_MSG_TYPE_ID)
            {
                opened = number;
            }
            else if (type == SHUT_MSG_TYPE_ID && channel != null &&
                (number == connection || number == 0 && opened == connection))
            {
                // The server's end is over: the client sees its channel closed. A SHUT 0 (the other relay started
                // again) ends only a connection it had answered: one it sent before our OPENED is older news.
                endLocal(false);
            }
            return Action.CONTINUE;
        }
        if (connecting != null)
        {
            return Action.ABORT;
        }
        if (type == OPEN_MSG_TYPE_ID)
        {
            if (number == connection && channel != null || number == refused)
            {
                // Its connection is up now (or was given up): the OPEN may go.
                return Action.BREAK;
            }
            if (channel != null)
            {
                // A new client on the other host: the previous one is gone (its relay may have died untold).
                endLocal(false);
            }
            connection = number;
            connecting = ChannelConnector.start(name, channelConfig);
            connectingSinceNanos = System.nanoTime();
            // The OPEN stays in the queue until the server answered: a relay that dies meanwhile leaves it to
            // its successor, which connects in its place instead of dropping the client's messages.
            return Action.ABORT;
        }
        else if (type == SHUT_MSG_TYPE_ID && channel != null && (number == connection || number == 0))
        {
            endLocal(false);
        }
        return Action.BREAK;
    }

    private boolean mark(final int type, final long number)
    {
        marker.putLong(0, number);
        if (out.offer(type, marker, 0, MARKER_LENGTH))
        {
            pendingMarker = 0;
            return true;
        }
        pendingMarker = type;
        pendingConnection = number;
        return false;
    }

    /**
     * Tells the relay whether the other host's stream reaches this host, before each {@link #doWork()}.
     *
     * @param up whether the bridge's receiver has its image.
     */
    void linkUp(final boolean up)
    {
        if (up)
        {
            linkDownSinceNanos = 0;
        }
        else if (linkDownSinceNanos == 0)
        {
            linkDownSinceNanos = System.nanoTime();
        }
    }

    /** Server's host: whether a client's OPEN is being answered (its server connected to). */
    boolean isConnecting()
    {
        return connecting != null;
    }

    boolean isConnected()
    {
        return channel != null && channel.state() == ChannelState.CONNECTED;
    }

    @Override
    public void onClose()
    {
        if (channel != null)
        {
            endLocal(true);
        }
        CloseHelper.quietCloseAll(connecting, listener, out, in);
    }

    @Override
    public String roleName()
    {
        return "shmq-channel-relay-" + name;
    }

    @Override
    public String toString()
    {
        final RuntimeException failed = lastConnectFailure;
        return "channel '" + name + "' " + (isConnected() ? "connected" : connecting != null ?
            "connecting to its server" : "waiting for a " + (clientsHost ? "client" : "client's OPEN")) +
            ", relayed " + relayedOut + " out, " + relayedIn + " in" +
            (failed == null ? "" : " (last connect failed: " + failed.getMessage() + ")");
    }
}
