package io.shmq.examples.sidecar;

import io.shmq.QueueConfig;
import io.shmq.bridge.BridgeConfig;
import io.shmq.bridge.ChannelBridge;
import io.shmq.channel.ChannelConfig;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * What the demo's "remote" run changes: the service and the sidecar each play a host of their own (their own
 * directory for the channel's rings, so nothing in {@code /dev/shm} is shared) and the channel crosses between
 * them through a {@link ChannelBridge} on each side, over Aeron UDP on the loopback; the socket they are compared
 * with is TCP, the socket a remote sidecar is reached by.
 */
final class RemoteSidecar
{
    /** The socket argument of a TCP socket: {@code tcp:PORT} on the loopback. */
    static final String TCP_PREFIX = "tcp:";

    private RemoteSidecar()
    {
    }

    /** The channel's configuration on a host whose rings live in {@code hostDirectory}. */
    static ChannelConfig channel(final Path hostDirectory)
    {
        return ChannelConfig.of(QueueConfig.spsc(Sidecar.RING_CAPACITY).withDirectory(hostDirectory));
    }

    /**
     * Starts one host's end of the bridged channel.
     *
     * @param name       the channel's name.
     * @param host       the host's directory (the channel's rings and the embedded media driver).
     * @param port       the first of two UDP ports: the sidecar's host receives on it, the service's on the next.
     * @param clientSide true on the service's host.
     * @return the running bridge.
     */
    static ChannelBridge bridge(final String name, final Path host, final int port, final boolean clientSide)
    {
        final String toSidecar = "aeron:udp?endpoint=localhost:" + port;
        final String toService = "aeron:udp?endpoint=localhost:" + (port + 1);
        // The bridge threads yield when idle: a parked one (the default backs off to 1 ms parks) would add its
        // wake-up to every hop, here ~80 us for even a 50 us park. A core's worth of CPU each, for the demo.
        final BridgeConfig requests = BridgeConfig.of(toSidecar, toService).withIdleStrategy(YieldingIdleStrategy::new);
        final BridgeConfig responses = BridgeConfig.of(toService, toSidecar)
            .withStreamId(BridgeConfig.DEFAULT_STREAM_ID + 2);
        final BridgeConfig driver = requests.withEmbeddedDriverDirectory(host.resolve("aeron").toString());
        return clientSide ? ChannelBridge.forClients(name, channel(host), driver, responses) :
            ChannelBridge.toServer(name, channel(host), driver, responses);
    }

    /** A Unix socket path, or {@code tcp:PORT}. */
    static SocketAddress address(final String socket)
    {
        return socket.startsWith(TCP_PREFIX) ?
            new InetSocketAddress("127.0.0.1", Integer.parseInt(socket.substring(TCP_PREFIX.length()))) :
            UnixDomainSocketAddress.of(Path.of(socket));
    }

    static ServerSocketChannel listen(final String socket) throws IOException
    {
        final ServerSocketChannel server = socket.startsWith(TCP_PREFIX) ?
            ServerSocketChannel.open(StandardProtocolFamily.INET) :
            ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(address(socket));
        return server;
    }

    static SocketChannel connect(final String socket) throws IOException
    {
        final boolean tcp = socket.startsWith(TCP_PREFIX);
        final SocketChannel channel = SocketChannel.open(tcp ? StandardProtocolFamily.INET :
            StandardProtocolFamily.UNIX);
        channel.connect(address(socket));
        noDelay(channel);
        return channel;
    }

    static void noDelay(final SocketChannel channel) throws IOException
    {
        if (channel.getRemoteAddress() instanceof InetSocketAddress)
        {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
    }
}
