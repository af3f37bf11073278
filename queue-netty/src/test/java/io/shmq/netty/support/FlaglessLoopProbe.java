package io.shmq.netty.support;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.ShmqIoHandler;

/**
 * Child JVM started without shmq's JVM flag: tries to make a shmq event loop group and prints what it got.
 */
public final class FlaglessLoopProbe
{
    private FlaglessLoopProbe()
    {
    }

    /**
     * Entry point.
     *
     * @param args none.
     */
    public static void main(final String[] args)
    {
        try
        {
            new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory()).shutdownGracefully();
            System.out.println("CREATED");
        }
        catch (final Throwable t)
        {
            System.out.println("THROWN " + t.getClass().getName() + ": " + t.getMessage());
        }
    }
}
