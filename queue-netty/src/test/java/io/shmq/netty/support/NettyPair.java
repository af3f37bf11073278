package io.shmq.netty.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqChannel;
import io.shmq.netty.ShmqIoHandler;
import io.shmq.netty.ShmqServerChannel;

import java.util.concurrent.TimeUnit;

/**
 * A shmq server and client in this JVM, each on its own event loop, shut down by {@link #close()}.
 */
public final class NettyPair implements AutoCloseable
{
    private final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
    private Channel server;

    /**
     * Binds a server whose accepted channels get {@code childHandler}.
     *
     * @param address      where to bind.
     * @param childHandler each accepted channel's handler.
     * @param halfClosure  whether children allow half-closure.
     * @return the server channel.
     */
    public Channel bind(final ShmqAddress address, final ChannelHandler childHandler, final boolean halfClosure)
        throws InterruptedException
    {
        server = new ServerBootstrap()
            .group(serverGroup)
            .channel(ShmqServerChannel.class)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure)
            .childHandler(childHandler)
            .bind(address).sync().channel();
        return server;
    }

    /**
     * A client bootstrap on the client's loop.
     *
     * @param handler the client channel's handler.
     * @return the bootstrap.
     */
    public Bootstrap client(final ChannelHandler handler)
    {
        return new Bootstrap().group(clientGroup).channel(ShmqChannel.class).handler(handler);
    }

    /**
     * Connects a client.
     *
     * @param address the server's address.
     * @param handler the client channel's handler.
     * @return the connected channel.
     */
    public Channel connect(final ShmqAddress address, final ChannelHandler handler) throws InterruptedException
    {
        return client(handler).connect(address).sync().channel();
    }

    @Override
    public void close()
    {
        if (server != null)
        {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
