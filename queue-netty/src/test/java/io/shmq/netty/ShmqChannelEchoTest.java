package io.shmq.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.shmq.netty.support.CollectingHandler;
import io.shmq.netty.support.EchoHandler;
import io.shmq.netty.support.LeakCheck;
import io.shmq.netty.support.NettyPair;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Netty client and server over shmq in one JVM, each on its own event loop: bytes echoed in order, writes larger
 * than a ring record split and reassembled, many small writes of one flush gathered, refusal without a server.
 */
class ShmqChannelEchoTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @RegisterExtension
    final LeakCheck leaks = new LeakCheck();

    @Test
    void echoesSmallMessagesInOrder() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "echo");
        final byte[] sent = randomBytes(64 * 10_000, 1);
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, new EchoHandler(), false);
            final CollectingHandler collector = new CollectingHandler(sent.length);
            final Channel client = pair.connect(address, collector);
            for (int i = 0; i < sent.length; i += 64)
            {
                client.write(Unpooled.wrappedBuffer(sent, i, 64));
                if (i % (64 * 100) == 0)
                {
                    client.flush();
                }
            }
            client.flush();
            assertArrayEquals(sent, collector.await(30));
            assertEquals(address, client.remoteAddress());
            client.close().sync();
        }
        assertNoQueueFilesLeft();
    }

    @Test
    void splitsWritesLargerThanARecordAndReassemblesThem() throws Exception
    {
        // A 64 KiB ring takes records of at most 8 KiB - 8: a 3 MiB write crosses it in hundreds of records.
        echoOnce("large", randomBytes(3 << 20, 2));
    }

    @Test
    void loopsShutDownRightAfterAClientClosedLeaveNothingInSharedMemory() throws Exception
    {
        // Without a quiet period Netty may end a loop with no last prepareToDestroy: the server's loop then had to
        // close the accepted channel in destroy, or its rings stayed behind (seen within about ten rounds).
        final byte[] sent = randomBytes(256 << 10, 3);
        for (int round = 0; round < 200; round++)
        {
            echoOnce("shutdown" + round, sent);
        }
    }

    /**
     * One client on 64 KiB rings writes {@code sent} in one flush and gets it echoed whole; then the client closes,
     * both loops shut down, and nothing of the connection stays in shared memory.
     */
    private void echoOnce(final String name, final byte[] sent) throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), name);
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, new EchoHandler(), false);
            final CollectingHandler collector = new CollectingHandler(sent.length);
            final Channel client = pair.client(collector)
                .option(ShmqChannelOption.RING_CAPACITY, 64 * 1024)
                .connect(address).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(sent));
            assertArrayEquals(sent, collector.await(60));
            client.close().sync();
        }
        assertNoQueueFilesLeft();
    }

    @Test
    void gathersTheBuffersOfOneFlushIntoFewRecords() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "gather");
        final int writes = 4096;
        final CollectingHandler atServer = new CollectingHandler(writes * 16L);
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, atServer, false);
            final Channel client = pair.connect(address, new ChannelInboundHandlerAdapter());
            client.eventLoop().submit(() ->
            {
                for (int i = 0; i < writes; i++)
                {
                    client.write(Unpooled.copyLong(i, i));
                }
                client.flush();
            }).sync();
            final byte[] received = atServer.await(30);
            final ByteBuf check = Unpooled.wrappedBuffer(received);
            for (int i = 0; i < writes; i++)
            {
                assertEquals(i, check.readLong());
                assertEquals(i, check.readLong());
            }
            // 64 KiB in 16-byte buffers: one record per write would be 4096 reads at most 64 each.
            assertTrue(atServer.reads() < 64, "reads: " + atServer.reads());
            client.close().sync();
        }
    }

    @Test
    void sendsEveryPartOfCompositeBuffersWhenOneFlushHasMorePartsThanOneRecordTakes() throws Exception
    {
        // gRPC writes frames as composite buffers; 1,000 of three parts each is more parts than one gathering
        // takes (1,024), so a record ends inside a composite buffer.
        final ShmqAddress address = new ShmqAddress(shm.path(), "composite");
        final int frames = 1_000;
        final CollectingHandler atServer = new CollectingHandler(frames * 24L);
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, atServer, false);
            final Channel client = pair.connect(address, new ChannelInboundHandlerAdapter());
            client.eventLoop().submit(() ->
            {
                for (long i = 0; i < frames; i++)
                {
                    client.write(Unpooled.wrappedBuffer(
                        Unpooled.copyLong(i * 3), Unpooled.copyLong(i * 3 + 1), Unpooled.copyLong(i * 3 + 2)));
                }
                client.flush();
            }).sync();
            final ByteBuf check = Unpooled.wrappedBuffer(atServer.await(30));
            for (long i = 0; i < frames * 3L; i++)
            {
                assertEquals(i, check.readLong());
            }
            client.close().sync();
        }
    }

    @Test
    void refusesAConnectionWhenNoServerIsBound() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "nobody");
        try (NettyPair pair = new NettyPair())
        {
            final ExecutionException failed = assertThrows(ExecutionException.class,
                () -> pair.client(new ChannelInboundHandlerAdapter()).connect(address).get());
            assertInstanceOf(ConnectException.class, failed.getCause());
            assertTrue(failed.getCause().getMessage().contains("no shmq server is bound to"),
                failed.getCause().getMessage());
        }
    }

    @Test
    void refusesASecondServerOnTheSameAddress() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "taken");
        try (NettyPair first = new NettyPair(); NettyPair second = new NettyPair())
        {
            first.bind(address, new EchoHandler(), false);
            final Exception failed = assertThrows(Exception.class,
                () -> second.bind(address, new EchoHandler(), false));
            assertInstanceOf(BindException.class, failed);
        }
    }

    @Test
    void closingEitherSideEndsTheOther() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "close");
        try (NettyPair pair = new NettyPair())
        {
            final CollectingHandler atServer = new CollectingHandler(1);
            pair.bind(address, atServer, false);
            final CollectingHandler atClient = new CollectingHandler(1);
            final Channel client = pair.connect(address, atClient);
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] { 42 })).sync();
            atServer.await(10);
            client.close().sync();
            assertTrue(atServer.awaitInactive(2_000), "the server's channel saw the client close");
            assertTrue(atServer.failure() == null, () -> "a clean close is no error: " + atServer.failure());
        }
        assertNoQueueFilesLeft();
    }

    @Test
    void aHandlerMayCloseItsChannelWhileRecordsAreStillBeingRead() throws Exception
    {
        // Closing from channelRead runs doClose in the middle of a poll of the ring: the rings must stay mapped
        // until the poll is over, or the next record read touches unmapped memory.
        final ShmqAddress address = new ShmqAddress(shm.path(), "close-in-read");
        try (NettyPair pair = new NettyPair())
        {
            final CollectingHandler closer = new CollectingHandler(1)
            {
                @Override
                public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                {
                    super.channelRead(ctx, msg);
                    ctx.close();
                }
            };
            pair.bind(address, new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    channel.pipeline().addLast(closer);
                }
            }, false);
            final CollectingHandler atClient = new CollectingHandler(1);
            final Channel client = pair.client(atClient)
                .option(ShmqChannelOption.RING_CAPACITY, 64 * 1024)
                .connect(address).sync().channel();
            // Many records at once, each larger than what one read buffer keeps: several reads per poll.
            client.eventLoop().submit(() ->
            {
                for (int i = 0; i < 50; i++)
                {
                    client.writeAndFlush(Unpooled.wrappedBuffer(new byte[4096]));
                }
            }).sync();
            assertTrue(closer.awaitInactive(5_000), "the server's channel closed itself");
            assertTrue(atClient.awaitInactive(5_000), "the client saw the server close");
        }
        assertNoQueueFilesLeft();
    }

    @Test
    void halfCloseLetsThePeerAnswerThenClose() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "half");
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, new ChannelInboundHandlerAdapter()
            {
                @Override
                public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                {
                    ((ByteBuf)msg).release();
                }

                @Override
                public void userEventTriggered(final ChannelHandlerContext ctx, final Object event)
                {
                    if (event instanceof ChannelInputShutdownEvent)
                    {
                        ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII))
                            .addListener(done -> ctx.close());
                    }
                }

                @Override
                public boolean isSharable()
                {
                    return true;
                }
            }, true);
            final CollectingHandler atClient = new CollectingHandler(3);
            final ShmqChannel client = (ShmqChannel)pair.client(atClient)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .connect(address).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] { 1, 2, 3 })).sync();
            client.shutdownOutput().sync();
            assertTrue(client.isOutputShutdown());
            assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), atClient.await(10));
            assertTrue(atClient.awaitInactive(2_000), "the client's channel ended after the server closed");
        }
    }

    private void assertNoQueueFilesLeft() throws IOException
    {
        // The server closed the address and every connection: nothing of them stays in shared memory.
        try (Stream<Path> files = Files.list(shm.path()))
        {
            final List<Path> left = files.toList();
            assertTrue(left.isEmpty(), "left in shared memory: " + left);
        }
        
    }

    private static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
