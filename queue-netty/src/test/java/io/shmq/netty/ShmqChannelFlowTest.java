package io.shmq.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.shmq.netty.support.CollectingHandler;
import io.shmq.netty.support.EchoHandler;
import io.shmq.netty.support.LeakCheck;
import io.shmq.netty.support.NettyPair;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow over a shmq channel: a reader that stops makes the writer unwritable once the ring and the outbound buffer
 * are full, and the pending writes resume when it reads again; idle loops sleep without burning a core and wake
 * for a peer's message and for a task from another thread.
 */
class ShmqChannelFlowTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @RegisterExtension
    final LeakCheck leaks = new LeakCheck();

    @Test
    void aFullRingTurnsTheWriterUnwritableUntilTheReaderResumes() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "backpressure");
        final int total = 1 << 20;
        final byte[] sent = new byte[total];
        new Random(7).nextBytes(sent);
        final CollectingHandler atServer = new CollectingHandler(total);
        final CompletableFuture<Channel> serverSide = new CompletableFuture<>();
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    // The server does not read until told to.
                    channel.config().setAutoRead(false);
                    channel.pipeline().addLast(atServer);
                    serverSide.complete(channel);
                }
            }, false);
            final BlockingQueue<Boolean> writability = new ArrayBlockingQueue<>(16);
            final Channel client = pair.client(new ChannelInboundHandlerAdapter()
                {
                    @Override
                    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
                    {
                        writability.offer(ctx.channel().isWritable());
                    }
                })
                .option(ShmqChannelOption.RING_CAPACITY, 64 * 1024)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 * 1024, 32 * 1024))
                .connect(address).sync().channel();

            // 1 MiB into a 64 KiB ring nobody reads: the ring fills, the rest waits, the channel turns unwritable.
            for (int i = 0; i < total; i += 4096)
            {
                client.write(Unpooled.wrappedBuffer(sent, i, 4096));
            }
            client.flush();
            assertEquals(Boolean.FALSE, writability.poll(10, TimeUnit.SECONDS), "unwritable while the ring is full");
            Thread.sleep(200);
            assertFalse(client.isWritable());
            assertEquals(0, atServer.received().length);

            // Reading again frees the ring: the pending writes go out and the channel turns writable again.
            serverSide.get(5, TimeUnit.SECONDS).config().setAutoRead(true);
            assertArrayEquals(sent, atServer.await(30));
            assertEquals(Boolean.TRUE, writability.poll(10, TimeUnit.SECONDS), "writable once the ring drained");
            client.close().sync();
        }
    }

    @Test
    void idleLoopsSleepAndWakeForMessagesAndTasks() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "idle");
        try (NettyPair pair = new NettyPair())
        {
            final CompletableFuture<Channel> serverSide = new CompletableFuture<>();
            pair.bind(address, new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    channel.pipeline().addLast(new EchoHandler());
                    serverSide.complete(channel);
                }
            }, false);
            final BlockingQueue<Long> echoes = new ArrayBlockingQueue<>(16);
            final Channel client = pair.connect(address, new ChannelInboundHandlerAdapter()
            {
                @Override
                public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                {
                    echoes.offer(((ByteBuf)msg).readLong());
                    ((ByteBuf)msg).release();
                }
            });
            final Channel server = serverSide.get(5, TimeUnit.SECONDS);
            final long clientThread = client.eventLoop().submit(() -> Thread.currentThread().getId()).get();
            final long serverThread = server.eventLoop().submit(() -> Thread.currentThread().getId()).get();

            final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            final long clientCpu = threads.getThreadCpuTime(clientThread);
            final long serverCpu = threads.getThreadCpuTime(serverThread);
            final long start = System.nanoTime();
            Thread.sleep(2_000);
            final long wall = System.nanoTime() - start;
            final double clientShare = (threads.getThreadCpuTime(clientThread) - clientCpu) / (double)wall;
            final double serverShare = (threads.getThreadCpuTime(serverThread) - serverCpu) / (double)wall;
            System.out.printf("idle loops over 2 s: client %.3f %%, server %.3f %% of a core%n",
                clientShare * 100, serverShare * 100);
            assertTrue(clientShare < 0.01, "idle client loop used " + clientShare * 100 + " % of a core");
            assertTrue(serverShare < 0.01, "idle server loop used " + serverShare * 100 + " % of a core");

            // Both loops sleep now: a write from this thread wakes the client's, the message wakes the server's,
            // the echo wakes the client's again.
            for (long i = 0; i < 20; i++)
            {
                Thread.sleep(20);
                client.writeAndFlush(Unpooled.copyLong(i));
                final Long echo = echoes.poll(1, TimeUnit.SECONDS);
                assertNotNull(echo, "echo " + i + " came back from sleeping loops");
                assertEquals(i, echo.longValue());
            }
            assertTrue(client.isActive() && server.isActive(), "two idle peers keep each other alive");
            client.close().sync();
        }
    }
}
