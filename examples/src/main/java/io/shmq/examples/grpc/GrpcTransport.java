package io.shmq.examples.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqChannel;
import io.shmq.netty.ShmqIoHandler;
import io.shmq.netty.ShmqServerChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The transports the gRPC demo runs the same service over: a shmq channel, and Netty's epoll Unix domain socket
 * and TCP loopback, each with one event loop thread per side. These few builder calls are all that changes from
 * one to another.
 */
public enum GrpcTransport
{
    /** shmq: two rings in shared memory per connection. */
    SHMQ("shmq channel"),
    /** A Unix domain socket, Netty's epoll transport. */
    UDS("Unix socket (epoll)"),
    /** TCP over loopback, Netty's epoll transport. */
    TCP("TCP loopback (epoll)");

    private final String label;

    GrpcTransport(final String label)
    {
        this.label = label;
    }

    /**
     * How the demo's table names it.
     *
     * @return the label.
     */
    public String label()
    {
        return label;
    }

    /**
     * A new event loop group of one thread for this transport.
     *
     * @return the group.
     */
    public EventLoopGroup newGroup()
    {
        return new MultiThreadIoEventLoopGroup(1,
            this == SHMQ ? ShmqIoHandler.newFactory() : EpollIoHandler.newFactory());
    }

    /**
     * A server builder on this transport.
     *
     * @param address where to listen.
     * @param boss    the group that accepts.
     * @param workers the group that serves connections.
     * @return the builder, ready for services.
     */
    public ServerBuilder<?> server(final SocketAddress address, final EventLoopGroup boss, final EventLoopGroup workers)
    {
        return NettyServerBuilder.forAddress(address)
            .channelType(this == SHMQ ? ShmqServerChannel.class :
                this == UDS ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .directExecutor();
    }

    /**
     * A client channel on this transport.
     *
     * @param address the server's address.
     * @param group   the client's event loop group.
     * @return the channel.
     */
    public ManagedChannel channel(final SocketAddress address, final EventLoopGroup group)
    {
        final NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address).eventLoopGroup(group);
        switch (this)
        {
            case SHMQ:
                builder.channelType(ShmqChannel.class, ShmqAddress.class);
                break;
            case UDS:
                builder.channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class);
                break;
            default:
                builder.channelType(EpollSocketChannel.class, InetSocketAddress.class);
                break;
        }
        return builder.usePlaintext().directExecutor().build();
    }

    /**
     * The address of this transport's server for a demo run.
     *
     * @param name    the run's name (shmq address; socket file name).
     * @param tcpPort the TCP port (0 to let the server choose).
     * @return the address.
     */
    public SocketAddress address(final String name, final int tcpPort)
    {
        switch (this)
        {
            case SHMQ:
                return new ShmqAddress(name);
            case UDS:
                return new DomainSocketAddress(System.getProperty("java.io.tmpdir") + "/" + name + ".sock");
            default:
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort);
        }
    }
}
