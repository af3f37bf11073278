package io.shmq.netty.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqChannel;
import io.shmq.netty.ShmqIoHandler;

import java.nio.file.Path;

/**
 * A child JVM's client: connects to {@code args[1]} in directory {@code args[0]}, prints CONNECTED, then sends
 * numbered 8-byte longs ({@link SequencePump}) until killed.
 */
public final class StreamingClientProcess
{
    private StreamingClientProcess()
    {
    }

    /**
     * Runs the client.
     *
     * @param args directory, name.
     */
    public static void main(final String[] args) throws Exception
    {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        new Bootstrap().group(group).channel(ShmqChannel.class).handler(new SequencePump())
            .connect(new ShmqAddress(Path.of(args[0]), args[1])).sync();
        System.out.println("CONNECTED");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
