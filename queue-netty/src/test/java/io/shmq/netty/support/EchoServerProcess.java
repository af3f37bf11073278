package io.shmq.netty.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqIoHandler;
import io.shmq.netty.ShmqServerChannel;

import java.nio.file.Path;

/**
 * A child JVM's echo server: binds {@code args[1]} in directory {@code args[0]}, prints READY, echoes until killed.
 */
public final class EchoServerProcess
{
    private EchoServerProcess()
    {
    }

    /**
     * Runs the server.
     *
     * @param args directory, name.
     */
    public static void main(final String[] args) throws Exception
    {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        new ServerBootstrap().group(group).channel(ShmqServerChannel.class).childHandler(new EchoHandler())
            .bind(new ShmqAddress(Path.of(args[0]), args[1])).sync();
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
