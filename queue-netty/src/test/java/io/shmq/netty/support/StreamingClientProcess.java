package io.shmq.netty.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqChannel;
import io.shmq.netty.ShmqIoHandler;

import java.nio.file.Path;

/**
 * A child JVM's client: opens {@code args[2]} connections (one without it) to {@code args[1]} in directory
 * {@code args[0]}, prints CONNECTED, then sends numbered 8-byte longs ({@link SequencePump}) on each until killed.
 */
public final class StreamingClientProcess
{
    private StreamingClientProcess()
    {
    }

    /**
     * Runs the client.
     *
     * @param args directory, name, and optionally how many connections.
     */
    public static void main(final String[] args) throws Exception
    {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        final ShmqAddress address = new ShmqAddress(Path.of(args[0]), args[1]);
        final int connections = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        for (int i = 0; i < connections; i++)
        {
            new Bootstrap().group(group).channel(ShmqChannel.class).handler(new SequencePump()).connect(address).sync();
        }
        System.out.println("CONNECTED");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
