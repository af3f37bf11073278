package io.shmq.channel;

import io.shmq.QueueConfig;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channel semantics within one JVM (client and server on two threads): handshake, both directions, close by either
 * side, timeouts, reconnection, and that a new connection never sees an old one's messages.
 */
class ChannelTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);

    @AfterEach
    void stopThreads()
    {
        executor.shutdownNow();
    }

    private ChannelConfig config()
    {
        return ChannelConfig.of(QueueConfig.spsc(64 * 1024).withDirectory(shm.path()));
    }

    private CompletableFuture<Channel> connectLater(final String name)
    {
        return CompletableFuture.supplyAsync(() -> Channel.connect(name, config(), 10 * SECOND), executor);
    }

    private boolean send(final Channel channel, final long value)
    {
        message.putLong(0, value);
        return channel.offer(1, message, 0, 8);
    }

    private static List<Long> drain(final Channel channel)
    {
        final List<Long> values = new ArrayList<>();
        while (channel.poll((type, buffer, index, length) -> values.add(buffer.getLong(index)), 64) > 0)
        {
            // until empty
        }
        return values;
    }

    private static List<Long> receive(final Channel channel, final int count)
    {
        final List<Long> values = new ArrayList<>();
        final long deadline = System.nanoTime() + 10 * SECOND;
        while (values.size() < count && System.nanoTime() < deadline)
        {
            if (channel.poll((type, buffer, index, length) -> values.add(buffer.getLong(index)), 64) == 0)
            {
                channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
        return values;
    }

    @Test
    void connectedSidesExchangeMessagesBothWays() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("duplex", config()))
        {
            final CompletableFuture<Channel> connecting = connectLater("duplex");
            try (Channel server = listener.accept(10 * SECOND); Channel client = connecting.get(10, TimeUnit.SECONDS))
            {
                assertEquals(server.connectionId(), client.connectionId(), "both sides name the same connection");
                assertEquals(ProcessHandle.current().pid(), server.peer().pid());
                for (long i = 0; i < 100; i++)
                {
                    assertTrue(send(client, i));
                    assertTrue(send(server, 1000 + i));
                }
                assertEquals(range(0, 100), receive(server, 100));
                assertEquals(range(1000, 100), receive(client, 100));
                assertTrue(server.isConnected() && client.isConnected());
            }
        }
    }

    @Test
    void aControlledPollThatAbortsLeavesTheMessageForTheNextPoll() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("controlled", config()))
        {
            final CompletableFuture<Channel> connecting = connectLater("controlled");
            try (Channel server = listener.accept(10 * SECOND); Channel client = connecting.get(10, TimeUnit.SECONDS))
            {
                for (long i = 0; i < 3; i++)
                {
                    assertTrue(send(client, i));
                }
                final List<Long> taken = new ArrayList<>();
                final long deadline = System.nanoTime() + 10 * SECOND;
                // Takes one, refuses the next (as a relay whose onward queue is full does), then takes the rest.
                while (taken.isEmpty() && System.nanoTime() < deadline)
                {
                    server.controlledPoll((type, buffer, index, length) ->
                    {
                        if (!taken.isEmpty())
                        {
                            return org.agrona.concurrent.ControlledMessageHandler.Action.ABORT;
                        }
                        taken.add(buffer.getLong(index));
                        return org.agrona.concurrent.ControlledMessageHandler.Action.CONTINUE;
                    }, 10);
                }
                assertEquals(List.of(0L), taken);
                taken.addAll(receive(server, 2));
                assertEquals(range(0, 3), taken, "the refused message came again, in order");
            }
        }
    }

    @Test
    void clientCloseIsSeenAfterEverythingItSent() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("client-close", config()))
        {
            final CompletableFuture<Channel> connecting = connectLater("client-close");
            try (Channel server = listener.accept(10 * SECOND))
            {
                final Channel client = connecting.get(10, TimeUnit.SECONDS);
                for (long i = 0; i < 10; i++)
                {
                    assertTrue(send(client, i));
                }
                client.close();
                assertEquals(ChannelState.CLOSED, client.state());
                assertThrows(ChannelClosedException.class, () -> send(client, 99));

                assertEquals(range(0, 10), drain(server), "every message sent before the close");
                assertEquals(ChannelState.PEER_CLOSED, server.state());
                assertThrows(ChannelClosedException.class, () -> send(server, 1));
            }
        }
    }

    @Test
    void serverCloseIsSeenByTheClient() throws Exception
    {
        final ChannelListener listener = ChannelListener.listen("server-close", config());
        final CompletableFuture<Channel> connecting = connectLater("server-close");
        final Channel server = listener.accept(10 * SECOND);
        try (Channel client = connecting.get(10, TimeUnit.SECONDS))
        {
            assertTrue(send(server, 7));
            listener.close();
            assertEquals(ChannelState.CLOSED, server.state());
            assertFalse(Files.exists(shm.path().resolve("shmq-server-close.c2s")), "the listener removes its rings");
            assertEquals(List.of(7L), drain(client));
            assertEquals(ChannelState.PEER_CLOSED, client.state());
        }
    }

    @Test
    void connectWithoutListenerTimesOutSayingSo()
    {
        final long start = System.nanoTime();
        final ChannelTimeoutException ex = assertThrows(ChannelTimeoutException.class,
            () -> Channel.connect("nobody", config(), TimeUnit.MILLISECONDS.toNanos(200)));
        final long elapsed = System.nanoTime() - start;
        assertTrue(ex.getMessage().contains("no server listens"), ex.getMessage());
        assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(200) && elapsed < 5 * SECOND, "waited " + elapsed);
    }

    @Test
    void acceptWithoutClientTimesOut()
    {
        try (ChannelListener listener = ChannelListener.listen("lonely", config()))
        {
            assertThrows(ChannelTimeoutException.class, () -> listener.accept(TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    @Test
    void aListenerClosedByAnotherThreadEndsTheAcceptWaitingInIt() throws Exception
    {
        final ChannelListener listener = ChannelListener.listen("orders", config());
        final CompletableFuture<Channel> accepted = CompletableFuture.supplyAsync(() -> listener.accept(30 * SECOND),
            executor);
        // Long enough for the accept to be asleep on the ring's doorbell, which the close then unmaps.
        Thread.sleep(200);
        assertFalse(accepted.isDone());
        final long start = System.nanoTime();
        listener.close();
        final Throwable failure = assertThrows(Exception.class, () -> accepted.get(5, TimeUnit.SECONDS)).getCause();
        assertTrue(failure instanceof ChannelClosedException && failure.getMessage().contains("closed while accept"),
            String.valueOf(failure));
        assertTrue(System.nanoTime() - start < 2 * SECOND, "the close waited for the accept's timeout");
        assertFalse(Files.exists(shm.path().resolve("shmq-orders.c2s")), "the listener removes its rings");
    }

    @Test
    void aNewConnectionNeverSeesTheMessagesOfAnOldOne() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("again", config()))
        {
            final CompletableFuture<Channel> first = connectLater("again");
            final Channel server1 = listener.accept(10 * SECOND);
            final Channel client1 = first.get(10, TimeUnit.SECONDS);
            // Left unread in both directions.
            assertTrue(send(client1, 1));
            assertTrue(send(server1, 2));
            client1.close();
            server1.close();

            final CompletableFuture<Channel> second = connectLater("again");
            try (Channel server2 = listener.accept(10 * SECOND); Channel client2 = second.get(10, TimeUnit.SECONDS))
            {
                assertTrue(server2.connectionId() != server1.connectionId());
                assertTrue(send(client2, 10));
                assertTrue(send(server2, 20));
                assertEquals(List.of(10L), receive(server2, 1));
                assertEquals(List.of(20L), receive(client2, 1));
                assertEquals(List.of(), drain(server2));
                assertEquals(List.of(), drain(client2));
            }
        }
    }

    @Test
    void acceptRefusesWhileTheLastClientIsConnected() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("busy", config()))
        {
            final CompletableFuture<Channel> connecting = connectLater("busy");
            try (Channel server = listener.accept(10 * SECOND); Channel client = connecting.get(10, TimeUnit.SECONDS))
            {
                assertThrows(IllegalStateException.class, () -> listener.accept(SECOND));
                assertThrows(QueueOwnershipException.class,
                    () -> Channel.connect("busy", config(), SECOND), "a second client in a live one's place");
                assertTrue(server.isConnected() && client.isConnected());
            }
        }
    }

    @Test
    void channelTypeIdsAreRefusedToUsers() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("types", config()))
        {
            final CompletableFuture<Channel> connecting = connectLater("types");
            try (Channel server = listener.accept(10 * SECOND); Channel client = connecting.get(10, TimeUnit.SECONDS))
            {
                assertThrows(IllegalArgumentException.class,
                    () -> client.offer(ChannelControl.CLOSE_MSG_TYPE_ID, message, 0, 16));
                assertTrue(client.offer(ChannelControl.MAX_USER_MSG_TYPE_ID, message, 0, 16));
                assertTrue(server.isConnected());
            }
        }
    }

    private static List<Long> range(final long from, final int count)
    {
        final List<Long> values = new ArrayList<>();
        for (long i = from; i < from + count; i++)
        {
            values.add(i);
        }
        return values;
    }
}
