package io.shmq.netty.support;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps every byte it reads (releasing the buffers) and counts down once {@code expected} bytes came.
 */
public class CollectingHandler extends ChannelInboundHandlerAdapter
{
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch inactive = new CountDownLatch(1);
    private final long expected;
    private volatile Throwable failure;
    private volatile int reads;

    /**
     * Collects until {@code expected} bytes came.
     *
     * @param expected bytes to wait for.
     */
    public CollectingHandler(final long expected)
    {
        this.expected = expected;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf buffer = (ByteBuf)msg;
        try
        {
            synchronized (bytes)
            {
                final byte[] chunk = new byte[buffer.readableBytes()];
                buffer.readBytes(chunk);
                bytes.write(chunk, 0, chunk.length);
                reads++;
                if (bytes.size() >= expected)
                {
                    done.countDown();
                }
            }
        }
        finally
        {
            buffer.release();
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        inactive.countDown();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        failure = cause;
    }

    /**
     * Waits for the expected bytes.
     *
     * @param seconds the longest wait.
     * @return what came.
     */
    public byte[] await(final long seconds) throws InterruptedException
    {
        if (!done.await(seconds, TimeUnit.SECONDS))
        {
            throw new AssertionError("only " + received().length + " of " + expected + " bytes came within " +
                seconds + " s");
        }
        return received();
    }

    /**
     * What came so far.
     *
     * @return a copy of the bytes.
     */
    public byte[] received()
    {
        synchronized (bytes)
        {
            return bytes.toByteArray();
        }
    }

    /**
     * Waits for {@code channelInactive}.
     *
     * @param millis the longest wait.
     * @return true when the channel went inactive in time.
     */
    public boolean awaitInactive(final long millis) throws InterruptedException
    {
        return inactive.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * The exception the pipeline reported, if any.
     *
     * @return the last exception, or null.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * How many reads delivered the bytes.
     *
     * @return channelRead calls.
     */
    public int reads()
    {
        return reads;
    }
}
