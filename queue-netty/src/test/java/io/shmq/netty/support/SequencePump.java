package io.shmq.netty.support;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends 0, 1, 2, ... as 8-byte longs from the channel's own loop, in bursts while the channel is writable (the way
 * a Netty application streams); what it reads goes on down the pipeline.
 */
public final class SequencePump extends ChannelInboundHandlerAdapter
{
    private static final int BURST = 256;

    private final AtomicLong sent = new AtomicLong();
    private boolean scheduled;

    /**
     * How many values went into the channel.
     *
     * @return the count.
     */
    public long sent()
    {
        return sent.get();
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx)
    {
        pump(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
    {
        pump(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void pump(final ChannelHandlerContext ctx)
    {
        scheduled = false;
        int written = 0;
        while (ctx.channel().isActive() && ctx.channel().isWritable() && written < BURST)
        {
            ctx.write(ctx.alloc().buffer(8).writeLong(sent.getAndIncrement()));
            written++;
        }
        ctx.flush();
        // The next burst is a timer, not a task: a task that re-submits itself keeps Netty's loop running tasks
        // (for up to a second) instead of reading. Writability resumes a pump that filled the ring.
        if (ctx.channel().isActive() && ctx.channel().isWritable() && !scheduled)
        {
            scheduled = true;
            ctx.executor().schedule(() -> pump(ctx), 20, TimeUnit.MICROSECONDS);
        }
    }
}
