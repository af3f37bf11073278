package io.shmq.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.shmq.netty.support.CollectingHandler;
import io.shmq.netty.support.EchoServerProcess;
import io.shmq.netty.support.LeakCheck;
import io.shmq.netty.support.NettyPair;
import io.shmq.netty.support.SequencePump;
import io.shmq.netty.support.StreamingClientProcess;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer in another JVM killed with {@code kill -9} mid-stream: the surviving side's channel ends (inactive, with
 * an exception) within a second, what it received is an unbroken prefix of what was sent (nothing duplicated,
 * reordered or torn), no buffer leaks, and the dead connection's rings are removed.
 */
class ShmqChannelPeerLossTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @RegisterExtension
    final LeakCheck leaks = new LeakCheck();

    @Test
    void aClientSeesItsServerKilledMidStream() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "killed-server");
        try (ChildJvm server = ChildJvm.start(EchoServerProcess.class, shm.path().toString(), address.name());
             NettyPair pair = new NettyPair())
        {
            server.awaitOutput("READY", 30);
            final SequenceCheck echoes = new SequenceCheck();
            // Stream numbers through the echo until many came back, then kill the server while they still flow.
            final Channel client = pair.connect(address, new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    channel.pipeline().addLast(new SequencePump(), echoes);
                }
            });
            echoes.awaitAtLeast(50_000, 30);
            final long killedAt = System.nanoTime();
            server.kill();
            final long killMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            final long echoedAtKill = echoes.next.get();
            assertTrue(echoes.inactive.await(30, TimeUnit.SECONDS), "the client's channel ended after the kill");
            final long endedMillis = echoes.endedMillisAfter(killedAt);
            System.out.println("kill took " + killMillis + " ms, ended after " + endedMillis + " ms; echoed " +
                echoedAtKill + " at the kill, " + echoes.next.get() + " in all");
            assertTrue(endedMillis < 1_500, "ended " + endedMillis + " ms after the kill");
            assertInstanceOf(IOException.class, echoes.failure.get(), "a killed peer is an error");
            assertTrue(echoes.failure.get().getMessage().contains("died"), echoes.failure.get().getMessage());
            assertEquals(null, echoes.broken.get(), "the echoed stream is an unbroken prefix");
            assertTrue(echoes.next.get() >= 50_000);
            // The client removed the dead server's connection rings; only the dead server's accept queue is left.
            assertEquals(List.of("shmq-killed-server.accept"), fileNames(shm.path()));

            // A connect to the dead server's name is refused at once, not after the connect timeout.
            final long connectAt = System.nanoTime();
            final Throwable refused = pair.client(new CollectingHandler(0)).connect(address).await().cause();
            final long refusedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectAt);
            assertInstanceOf(java.net.ConnectException.class, refused);
            assertTrue(refused.getMessage().contains("is gone"), refused.getMessage());
            assertTrue(refusedMillis < 1_000, "refused after " + refusedMillis + " ms");
            assertEquals(List.of("shmq-killed-server.accept"), fileNames(shm.path()), "a refusal leaves nothing");
        }
    }

    @Test
    void aServerSeesItsClientKilledAndAcceptsTheNext() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "killed-client");
        try (NettyPair pair = new NettyPair())
        {
            final SequenceCheck received = new SequenceCheck();
            pair.bind(address, received, false);
            try (ChildJvm client = ChildJvm.start(StreamingClientProcess.class, shm.path().toString(), address.name()))
            {
                client.awaitOutput("CONNECTED", 30);
                received.awaitAtLeast(50_000, 30);
                final long killedAt = System.nanoTime();
                client.kill();
                assertTrue(received.inactive.await(30, TimeUnit.SECONDS), "the server's channel ended after the kill");
                final long endedMillis = received.endedMillisAfter(killedAt);
                assertTrue(endedMillis < 1_500, "ended " + endedMillis + " ms after the kill");
            }
            assertInstanceOf(IOException.class, received.failure.get(), "a killed peer is an error");
            assertEquals(null, received.broken.get(), "the received stream is an unbroken prefix");
            // The server removed the connection's rings; its accept queue stays while it is bound.
            assertEquals(List.of("shmq-killed-client.accept"), fileNames(shm.path()));

            final CollectingHandler atNextClient = new CollectingHandler(1);
            final Channel next = pair.connect(address, atNextClient);
            next.writeAndFlush(Unpooled.copyLong(0)).sync();
            assertTrue(next.isActive());
            next.close().sync();
        }
    }

    private static List<String> fileNames(final Path directory) throws IOException
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Checks that the longs read are 0, 1, 2, ... with no gap, repeat or torn value.
     */
    private static final class SequenceCheck extends ChannelInboundHandlerAdapter
    {
        final AtomicLong next = new AtomicLong();
        final AtomicReference<String> broken = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch inactive = new CountDownLatch(1);
        /** When the last bytes arrived: a dead peer's committed messages are still delivered before the end. */
        volatile long lastReadNanos;
        volatile long inactiveNanos;
        private final ByteBuf partial = Unpooled.buffer(8);

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf buffer = (ByteBuf)msg;
            lastReadNanos = System.nanoTime();
            try
            {
                while (buffer.isReadable())
                {
                    partial.writeByte(buffer.readByte());
                    if (partial.readableBytes() == 8)
                    {
                        final long value = partial.readLong();
                        partial.clear();
                        final long expected = next.getAndIncrement();
                        if (value != expected && broken.get() == null)
                        {
                            broken.set("expected " + expected + ", read " + value);
                        }
                    }
                }
            }
            finally
            {
                buffer.release();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            failure.compareAndSet(null, cause);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx)
        {
            inactiveNanos = System.nanoTime();
            inactive.countDown();
        }

        /**
         * How long after {@code killedAt}, or after the last message the dead peer had committed if that came
         * later, the channel ended: the time to notice the death, not to drain what was sent before it (which
         * this test's leak detector at PARANOID makes slow, and a full ring long).
         */
        long endedMillisAfter(final long killedAt)
        {
            return TimeUnit.NANOSECONDS.toMillis(inactiveNanos - Math.max(killedAt, lastReadNanos));
        }

        @Override
        public boolean isSharable()
        {
            return true;
        }

        void awaitAtLeast(final long count, final long seconds) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (next.get() < count)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("only " + next.get() + " values came within " + seconds + " s");
                }
                Thread.sleep(5);
            }
        }
    }
}
