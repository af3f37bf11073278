package io.shmq.netty.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.shmq.errors.QueueClosedException;
import io.shmq.netty.ShmqAddress;
import io.shmq.netty.ShmqChannel;
import io.shmq.netty.ShmqChannelOption;
import io.shmq.netty.ShmqIoHandler;
import io.shmq.netty.ShmqServerChannel;
import io.shmq.region.MappingGuard;
import io.shmq.support.RaceThreads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A child JVM that races closes against Netty traffic over shmq: in each race a client and the server's accepted
 * channel both write from threads outside their loops (and echo on their loops) while a third thread closes, after
 * a random delay, one of: the client, the accepted channel, the server channel, the client's event loop group or
 * the server's. Every write must complete or fail its future with an {@link IOException}, a
 * {@link QueueClosedException} or a {@link RejectedExecutionException}; every channel must be closed within 10 s
 * of the race's end; and at the end no ring file may be left. Anything else is printed and ends the run with exit
 * 1; a JVM crash is what the parent looks for too.
 *
 * <p>Arguments: {@code RACES SEED DIRECTORY}. Prints {@code races=N inFlight=K inside=M unexpected=0 leftover=0}
 * at the end: K races closed while a write issued before the close was still pending (the moment that matters on
 * a Netty channel, whose close runs on its loop); M closes found another thread inside a ring (rare here, for the
 * same reason).
 */
public final class NettyCloseRaceProcess
{
    private static final int RING_CAPACITY = 64 * 1024;
    private static final long CLOSE_WAIT_SECONDS = 10;
    private static final AtomicLong IN_FLIGHT = new AtomicLong();

    private NettyCloseRaceProcess()
    {
    }

    /**
     * Runs the races.
     *
     * @param args races, seed, directory.
     * @throws Exception when the setup fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final int races = Integer.parseInt(args[0]);
        final long seed = Long.parseLong(args[1]);
        final Path directory = Path.of(args[2]);
        final SplittableRandom random = new SplittableRandom(seed);
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();
        final EventLoopGroup sharedServer = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        final EventLoopGroup sharedClient = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        int done = 0;
        try
        {
            for (; done < races && unexpected.get() == null; done++)
            {
                race(directory, "n" + seed + "-" + done, random.split(), sharedServer, sharedClient, unexpected);
            }
        }
        finally
        {
            shutDown(sharedClient);
            shutDown(sharedServer);
        }
        final long leftover = leftover(directory);
        final Throwable failure = unexpected.get();
        System.out.println("races=" + done + " inFlight=" + IN_FLIGHT.get() + " inside=" + MappingGuard.closesWhileInside() + " unexpected=" +
            (failure == null ? 0 : 1) + " leftover=" + leftover);
        if (failure != null)
        {
            failure.printStackTrace(System.out);
        }
        System.exit(failure == null && leftover == 0 ? 0 : 1);
    }

    private static void race(
        final Path directory,
        final String name,
        final SplittableRandom random,
        final EventLoopGroup sharedServer,
        final EventLoopGroup sharedClient,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        // One race in eight shuts an event loop group down as its close: those get groups of their own.
        final boolean ownGroups = random.nextInt(8) == 0;
        final EventLoopGroup serverGroup = ownGroups ?
            new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory()) : sharedServer;
        final EventLoopGroup clientGroup = ownGroups ?
            new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory()) : sharedClient;
        final AtomicReference<Channel> accepted = new AtomicReference<>();
        final boolean serverEchoes = random.nextBoolean();
        final Channel server = new ServerBootstrap().group(serverGroup).channel(ShmqServerChannel.class)
            .childOption(ChannelOption.AUTO_READ, random.nextInt(4) != 0)
            .childHandler(new ChannelInitializer<Channel>()
            {
                @Override
                protected void initChannel(final Channel channel)
                {
                    accepted.set(channel);
                    channel.pipeline().addLast(new Traffic(serverEchoes, unexpected));
                }
            })
            .bind(new ShmqAddress(directory, name)).sync().channel();
        final Channel client = new Bootstrap().group(clientGroup).channel(ShmqChannel.class)
            .option(ShmqChannelOption.RING_CAPACITY, RING_CAPACITY)
            .handler(new Traffic(!serverEchoes, unexpected))
            .connect(new ShmqAddress(directory, name)).sync().channel();
        final long acceptDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        while (accepted.get() == null && System.nanoTime() - acceptDeadline < 0)
        {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
        final Channel child = accepted.get();
        if (child == null)
        {
            throw new AssertionError(name + ": connected, but the server never initialised its channel");
        }
        final List<Thread> writers = new ArrayList<>();
        final AtomicReference<ChannelFuture> clientLast = new AtomicReference<>();
        final AtomicReference<ChannelFuture> childLast = new AtomicReference<>();
        writers.add(RaceThreads.start(() -> write(client, random.split(), clientLast, unexpected), unexpected));
        writers.add(RaceThreads.start(() -> write(child, random.split(), childLast, unexpected), unexpected));
        pause(random.nextInt(3000));
        final int choice = random.nextInt(ownGroups ? 5 : 3);
        if (pending(clientLast) || pending(childLast))
        {
            IN_FLIGHT.incrementAndGet();
        }
        switch (choice)
        {
            case 0 -> client.close();
            case 1 -> child.close();
            case 2 -> server.close();
            case 3 -> clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            default -> serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        client.close();
        child.close();
        server.close();
        for (final Thread writer : writers)
        {
            writer.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
            if (writer.isAlive())
            {
                throw new AssertionError(name + ": a writer did not return after close " + choice);
            }
        }
        for (final Channel channel : List.of(client, child, server))
        {
            if (!channel.closeFuture().awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS))
            {
                throw new AssertionError(name + ": " + channel + " not closed " + CLOSE_WAIT_SECONDS +
                    " s after close " + choice);
            }
        }
        if (ownGroups)
        {
            shutDown(clientGroup);
            shutDown(serverGroup);
        }
    }

    private static boolean pending(final AtomicReference<ChannelFuture> last)
    {
        final ChannelFuture future = last.get();
        return future != null && !future.isDone();
    }

    private static void write(final Channel channel, final SplittableRandom random,
        final AtomicReference<ChannelFuture> last, final AtomicReference<Throwable> unexpected)
    {
        while (channel.isOpen())
        {
            if (!channel.isWritable())
            {
                channel.flush();
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
                continue;
            }
            final ByteBuf message = Unpooled.wrappedBuffer(new byte[1 + random.nextInt(4000)]);
            final ChannelFuture written = random.nextInt(4) != 0 ? channel.writeAndFlush(message) :
                channel.write(message);
            last.set(written);
            written.addListener(future ->
            {
                if (!future.isSuccess())
                {
                    expected(future.cause(), unexpected);
                }
            });
        }
        channel.flush();
    }

    /**
     * Counts, releases and (on one side) echoes what it reads; records any exception that is not a close's.
     */
    private static final class Traffic extends ChannelInboundHandlerAdapter
    {
        private final boolean echo;
        private final AtomicReference<Throwable> unexpected;

        Traffic(final boolean echo, final AtomicReference<Throwable> unexpected)
        {
            this.echo = echo;
            this.unexpected = unexpected;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            if (echo && ctx.channel().isWritable())
            {
                ctx.write(msg).addListener(future ->
                {
                    if (!future.isSuccess())
                    {
                        expected(future.cause(), unexpected);
                    }
                });
            }
            else
            {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            expected(cause, unexpected);
            ctx.close();
        }
    }

    /**
     * What a write or a channel may end with when a close races it: anything else is a defect.
     */
    private static void expected(final Throwable cause, final AtomicReference<Throwable> unexpected)
    {
        if (!(cause instanceof IOException) && !(cause instanceof QueueClosedException) &&
            !(cause instanceof RejectedExecutionException))
        {
            unexpected.compareAndSet(null, cause);
        }
    }

    private static void shutDown(final EventLoopGroup group)
    {
        if (!group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_WAIT_SECONDS,
            TimeUnit.SECONDS))
        {
            throw new AssertionError("an event loop group did not terminate within " + CLOSE_WAIT_SECONDS + " s");
        }
    }

    private static long leftover(final Path directory) throws IOException
    {
        // The rings of closed connections and servers are deleted as they close; give the loops a moment.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        long left;
        do
        {
            try (Stream<Path> files = Files.list(directory))
            {
                left = files.filter(file -> file.getFileName().toString().startsWith("shmq-")).count();
            }
            if (left > 0)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
        while (left > 0 && System.nanoTime() - deadline < 0);
        return left;
    }

    private static void pause(final int micros)
    {
        final long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
        while (System.nanoTime() - end < 0)
        {
            if (micros > 500)
            {
                LockSupport.parkNanos(50_000);
            }
        }
    }
}
