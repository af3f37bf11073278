package io.shmq.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.support.CollectingHandler;
import io.shmq.netty.support.LeakCheck;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server-side channel that does not read (AUTO_READ off, as a back-pressured handler leaves it) still learns
 * that its client closed or died: it becomes inactive and its rings go, as a socket's do on the peer's hang-up.
 * The default suite runs 50 closing clients and 2 x 10 killed ones; {@code -Dshmq.netty.notReadingClients=1000}
 * and {@code -Dshmq.netty.killedClientRounds=10 -Dshmq.netty.killedClientConnections=100} run a thousand of each.
 */
class BackPressuredPeerLossTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @RegisterExtension
    final LeakCheck leaks = new LeakCheck();

    @Test
    void nonReadingServerChannelsAreReleasedWhenTheirClientsClose() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "not-reading");
        final int clients = Integer.getInteger("shmq.netty.notReadingClients", 50);
        final CountDownLatch inactive = new CountDownLatch(clients);
        final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        try
        {
            final Channel server = new ServerBootstrap().group(serverGroup).channel(ShmqServerChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(countInactive(inactive)).bind(address).sync().channel();
            final long fdsBound = openFiles();
            for (int i = 0; i < clients; i++)
            {
                final Channel client = new io.netty.bootstrap.Bootstrap().group(clientGroup)
                    .channel(ShmqChannel.class).handler(new CollectingHandler(0)).connect(address).sync().channel();
                client.writeAndFlush(Unpooled.wrappedBuffer(new byte[4096])).sync();
                // Closed from another thread than the client's loop, as a shutdown hook would.
                client.close().sync();
            }
            assertTrue(inactive.await(10, TimeUnit.SECONDS), inactive.getCount() + " of " + clients +
                " non-reading server channels never saw their client close");
            awaitOnlyAcceptQueue(address);
            final long fdsLeft = openFiles() - fdsBound;
            System.out.println(clients + " non-reading connections closed by their clients: " + fdsLeft +
                " file descriptors more than before them");
            assertTrue(fdsLeft <= 4, fdsLeft + " more file descriptors open than before " + clients + " connections");
            server.close().sync();
        }
        finally
        {
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNonReadingServerChannelIsReleasedWhenItsClientIsKilled() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "not-reading-killed");
        final CountDownLatch inactive = new CountDownLatch(1);
        final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        try
        {
            final Channel server = new ServerBootstrap().group(serverGroup).channel(ShmqServerChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(countInactive(inactive)).bind(address).sync().channel();
            try (ChildJvm client = ChildJvm.start(StreamingClientProcess.class, shm.path().toString(), address.name()))
            {
                client.awaitOutput("CONNECTED", 30);
                TimeUnit.MILLISECONDS.sleep(200);
                final long killedAt = System.nanoTime();
                client.kill();
                assertTrue(inactive.await(5, TimeUnit.SECONDS), "the non-reading channel never saw its client die");
                final long endedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                assertTrue(endedMillis < 1_500, "ended " + endedMillis + " ms after the kill");
            }
            awaitOnlyAcceptQueue(address);
            server.close().sync();
        }
        finally
        {
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void nonReadingServerChannelsAreReleasedWhenTheProcessOfTheirClientsIsKilled() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "not-reading-many-killed");
        final int rounds = Integer.getInteger("shmq.netty.killedClientRounds", 2);
        final int connections = Integer.getInteger("shmq.netty.killedClientConnections", 10);
        final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        try
        {
            final AtomicReference<CountDownLatch> inactive = new AtomicReference<>();
            final Channel server = new ServerBootstrap().group(serverGroup).channel(ShmqServerChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(countInactive(inactive)).bind(address).sync().channel();
            final long fdsBound = openFiles();
            for (int round = 0; round < rounds; round++)
            {
                inactive.set(new CountDownLatch(connections));
                try (ChildJvm client = ChildJvm.start(StreamingClientProcess.class, shm.path().toString(),
                    address.name(), Integer.toString(connections)))
                {
                    client.awaitOutput("CONNECTED", 60);
                    // Long enough for every client ring to fill: the server's channels are back-pressured.
                    TimeUnit.MILLISECONDS.sleep(200);
                    client.kill();
                    assertTrue(inactive.get().await(10, TimeUnit.SECONDS), inactive.get().getCount() + " of " +
                        connections + " non-reading server channels never saw their client's process die (round " +
                        round + ")");
                }
                awaitOnlyAcceptQueue(address);
            }
            final long fdsLeft = openFiles() - fdsBound;
            System.out.println(rounds + " x " + connections + " non-reading connections whose client process was " +
                "killed: " + fdsLeft + " file descriptors more than before them");
            assertTrue(fdsLeft <= 4, fdsLeft + " more file descriptors open than before the connections");
            server.close().sync();
        }
        finally
        {
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static ChannelInboundHandlerAdapter countInactive(final CountDownLatch inactive)
    {
        return countInactive(new AtomicReference<>(inactive));
    }

    /** Counts down the latch that {@code inactive} holds when a channel ends. */
    private static ChannelInboundHandlerAdapter countInactive(final AtomicReference<CountDownLatch> inactive)
    {
        return new ChannelInboundHandlerAdapter()
        {
            @Override
            public void channelInactive(final ChannelHandlerContext ctx)
            {
                inactive.get().countDown();
            }

            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
            {
                // A killed peer is reported before the channel closes.
            }

            @Override
            public boolean isSharable()
            {
                return true;
            }
        };
    }

    private void awaitOnlyAcceptQueue(final ShmqAddress address) throws IOException, InterruptedException
    {
        final List<String> expected = List.of("shmq-" + address.name() + ".accept");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> left = files(shm.path());
        while (!left.equals(expected) && System.nanoTime() - deadline < 0)
        {
            TimeUnit.MILLISECONDS.sleep(20);
            left = files(shm.path());
        }
        assertEquals(expected, left, "the released channels' rings are removed");
    }

    private static long openFiles() throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    private static List<String> files(final Path directory) throws IOException
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith("."))
                .sorted().collect(Collectors.toList());
        }
    }
}
