package io.shmq.bridge;

import io.shmq.ShmQueue;
import io.shmq.channel.ChannelConfig;
import org.agrona.CloseHelper;

import java.util.Objects;

/**
 * A {@link io.shmq.channel.Channel} between a client on one host and a server on another, over a pair of bridged
 * queues. On the clients' host, {@link #forClients} listens on the channel's name as the server would; its
 * clients {@link io.shmq.channel.Channel#connect connect} as usual. On the server's host, {@link #toServer}
 * connects to the real server's listener, as a client would, each time a client connects on the other host. Both
 * ends keep the local channel's guarantees (whole messages in order, type ids, a peer that closes or dies is
 * seen), and the link between them is a {@link QueueBridge}'s: nothing committed is lost or repeated across a
 * restart of either host's bridge.
 *
 * <pre>{@code
 * // both hosts: client to server on the server's host, server to client on the clients' host
 * BridgeConfig requests = BridgeConfig.of("aeron:udp?endpoint=serverHost:40456",
 *     "aeron:udp?endpoint=clientHost:40457");
 * BridgeConfig responses = BridgeConfig.of("aeron:udp?endpoint=clientHost:40457",
 *     "aeron:udp?endpoint=serverHost:40456").withStreamId(BridgeConfig.DEFAULT_STREAM_ID + 2);
 * // clients' host                                      // server's host
 * ChannelBridge.forClients("quotes", channel,           ChannelBridge.toServer("quotes", channel,
 *     requests, responses);                                 requests, responses);
 * Channel.connect("quotes", channel, timeout) ...       ChannelListener.listen("quotes", channel) ...
 * }</pre>
 *
 * <p>On both hosts the media driver and the bridge thread's idle strategy are those of {@code requests}.
 *
 * <p>Each bridge keeps two queues of its own beside the channel's rings, {@code NAME.up} (client to server) and
 * {@code NAME.dn}, which hold what is in flight across a restart of either host's bridge, and so stay when it
 * closes, for the next one (the other host's bridge checks that they are the same queues); remove them with
 * {@code shmq rm} once the channel is retired on both hosts. One client
 * at a time, as a local channel. A client's connection made while the server's host has no server listening ends
 * (the client sees its peer close) after the connect timeout of {@code requests}. A relay that dies ends its
 * connection on the other host when it starts again, or, if it does not, once the other host's bridge has not
 * heard from it for Aeron's image liveness timeout ({@code aeron.image.liveness.timeout}, 10 s) and then the
 * channel's peer timeout: as a local peer's death is seen when nothing else tells it.
 */
public final class ChannelBridge implements AutoCloseable
{
    /** Suffix of the queue of what goes from client to server. */
    public static final String UP = ".up";
    /** Suffix of the queue of what goes from server to client. */
    public static final String DOWN = ".dn";

    private final ShmQueue up;
    private final ShmQueue down;
    private final ChannelRelay relay;
    private final QueueBridge bridge;

    private ChannelBridge(final String name, final ChannelConfig channelConfig, final boolean clientsHost,
        final BridgeConfig requests, final BridgeConfig responses)
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(channelConfig, "channelConfig");
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(responses, "responses");
        ShmQueue upQueue = null;
        ShmQueue downQueue = null;
        ChannelRelay newRelay = null;
        try
        {
            upQueue = ShmQueue.createOrOpen(name + UP, channelConfig.rings());
            downQueue = ShmQueue.createOrOpen(name + DOWN, channelConfig.rings());
            final ShmQueue outgoing = clientsHost ? upQueue : downQueue;
            final ShmQueue incoming = clientsHost ? downQueue : upQueue;
            newRelay = new ChannelRelay(name, clientsHost, channelConfig, requests.connectTimeout().toNanos(),
                outgoing, incoming);
            this.bridge = new QueueBridge(outgoing, clientsHost ? requests : responses, incoming,
                clientsHost ? responses : requests, requests, newRelay);
        }
        catch (final RuntimeException ex)
        {
            if (newRelay != null)
            {
                newRelay.onClose();
            }
            CloseHelper.quietCloseAll(upQueue, downQueue);
            throw ex;
        }
        this.up = upQueue;
        this.down = downQueue;
        this.relay = newRelay;
    }

    /**
     * On the clients' host: listens on channel {@code name} and carries each connection to the server's host.
     *
     * @param name          the channel's name, as the clients connect to it.
     * @param channelConfig the channel's ring configuration (the same as the server's).
     * @param requests      the bridge configuration of what goes from client to server (its data endpoint the
     *                      server's host), the same on both hosts.
     * @param responses     that of what comes back (its data endpoint the clients' host; other stream ids when
     *                      the two share a channel).
     * @return the running bridge.
     * @throws BridgeException when the queues cannot be bridged or Aeron cannot be reached.
     * @throws io.shmq.errors.QueueOwnershipException when a live server already listens on {@code name} here.
     */
    public static ChannelBridge forClients(final String name, final ChannelConfig channelConfig,
        final BridgeConfig requests, final BridgeConfig responses)
    {
        return new ChannelBridge(name, channelConfig, true, requests, responses);
    }

    /**
     * On the server's host: connects to the server listening on channel {@code name} each time a client connects
     * on the clients' host, and carries the connection.
     *
     * @param name          the channel's name, as the server listens on it.
     * @param channelConfig the channel's ring configuration.
     * @param requests      as given to {@link #forClients} on the other host.
     * @param responses     as given to {@link #forClients} on the other host.
     * @return the running bridge.
     * @throws BridgeException when the queues cannot be bridged or Aeron cannot be reached.
     */
    public static ChannelBridge toServer(final String name, final ChannelConfig channelConfig,
        final BridgeConfig requests, final BridgeConfig responses)
    {
        return new ChannelBridge(name, channelConfig, false, requests, responses);
    }

    /**
     * The queue bridge underneath, for its counters and its failure.
     *
     * @return the duplex queue bridge.
     */
    public QueueBridge queueBridge()
    {
        return bridge;
    }

    ChannelRelay relay()
    {
        return relay;
    }

    /**
     * Whether this host's end of the channel is connected (to a client, or to the server).
     *
     * @return true while connected.
     */
    public boolean isConnected()
    {
        return relay.isConnected();
    }

    /**
     * Why the bridge stopped, or null while it runs.
     *
     * @return the failure, or null.
     */
    public Throwable failure()
    {
        return bridge.failure();
    }

    /**
     * Ends the channel on this host (its local peer sees it close, the other host is told) and stops the bridge;
     * the two queues stay for the next bridge. Idempotent.
     *
     * @throws BridgeException the bridge's failure, when it failed.
     */
    @Override
    public void close()
    {
        try
        {
            bridge.close();
        }
        finally
        {
            CloseHelper.quietCloseAll(up, down);
        }
    }

    @Override
    public String toString()
    {
        return relay + "; " + bridge;
    }
}
