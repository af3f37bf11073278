package io.shmq.netty.support;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Writes back what it reads, flushing at the end of each read batch.
 */
@ChannelHandler.Sharable
public final class EchoHandler extends ChannelInboundHandlerAdapter
{
    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        ctx.write(msg);
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        ctx.close();
    }
}
