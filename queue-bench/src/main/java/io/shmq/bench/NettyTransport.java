package io.shmq.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqChannel;
import io.shmq.netty.ShmqIoHandler;
import io.shmq.netty.ShmqServerChannel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Netty transports the Netty and gRPC reports compare: shmq, Netty's epoll Unix domain socket, and TCP
 * loopback through NIO or epoll; each with event loop groups of one thread.
 */
enum NettyTransport
{
    /** shmq channels. */
    SHMQ("shmq", ShmqServerChannel.class, ShmqChannel.class, ShmqAddress.class),
    /** A Unix domain socket, Netty's epoll transport. */
    UDS("Unix socket (epoll)", EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class,
        DomainSocketAddress.class),
    /** TCP loopback, Netty's NIO transport. */
    TCP_NIO("TCP loopback (NIO)", NioServerSocketChannel.class, NioSocketChannel.class, InetSocketAddress.class),
    /** TCP loopback, Netty's epoll transport. */
    TCP_EPOLL("TCP loopback (epoll)", EpollServerSocketChannel.class, EpollSocketChannel.class,
        InetSocketAddress.class);

    final String label;
    final Class<? extends ServerChannel> serverChannel;
    final Class<? extends Channel> clientChannel;
    final Class<? extends SocketAddress> addressType;

    NettyTransport(
        final String label,
        final Class<? extends ServerChannel> serverChannel,
        final Class<? extends Channel> clientChannel,
        final Class<? extends SocketAddress> addressType)
    {
        this.label = label;
        this.serverChannel = serverChannel;
        this.clientChannel = clientChannel;
        this.addressType = addressType;
    }

    /**
     * A new group of one event loop thread of this transport's kind.
     */
    EventLoopGroup newGroup()
    {
        return new MultiThreadIoEventLoopGroup(1, this == SHMQ ? ShmqIoHandler.newFactory() :
            this == TCP_NIO ? NioIoHandler.newFactory() : EpollIoHandler.newFactory());
    }

    /**
     * The server's address for a run called {@code name} ({@code port}: the TCP port, 0 to bind any).
     */
    SocketAddress address(final String name, final int port)
    {
        switch (this)
        {
            case SHMQ:
                return new ShmqAddress(name);
            case UDS:
                return new DomainSocketAddress(System.getProperty("java.io.tmpdir") + "/" + name + ".sock");
            default:
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        }
    }

    /**
     * Removes a Unix socket's file, before binding and after the server closed.
     */
    void removeSocketFile(final SocketAddress address) throws IOException
    {
        if (this == UDS)
        {
            Files.deleteIfExists(Path.of(((DomainSocketAddress)address).path()));
        }
    }

    boolean isTcp()
    {
        return this == TCP_NIO || this == TCP_EPOLL;
    }

    /**
     * Connects a client channel (TCP with {@code TCP_NODELAY}).
     */
    Channel connect(final EventLoopGroup group, final SocketAddress address, final ChannelHandler handler)
        throws InterruptedException
    {
        final Bootstrap bootstrap = new Bootstrap().group(group).channel(clientChannel).handler(handler);
        if (isTcp())
        {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
        }
        return bootstrap.connect(address).sync().channel();
    }
}
