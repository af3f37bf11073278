package io.shmq.bridge;

import io.shmq.QueueConfig;
import io.shmq.bridge.support.EchoServer;
import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelListener;
import io.shmq.channel.ChannelState;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel whose client is on one "host" and server on another (two directories, two embedded media drivers,
 * UDP on the loopback), through a {@link ChannelBridge} on each: requests and answers arrive whole and in order
 * with their type ids, a second client after the first gets nothing of the first's, and either end's close is
 * seen on the other host.
 */
class ChannelBridgeTest
{
    private static final long SECONDS = TimeUnit.SECONDS.toNanos(1);

    @RegisterExtension
    final ShmDirectory clientsHost = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory serversHost = new ShmDirectory();

    private ChannelConfig channel(final ShmDirectory host)
    {
        return ChannelConfig.of(QueueConfig.spsc(64 * 1024).withDirectory(host.path()));
    }

    private BridgeConfig[] configs()
    {
        final String toServer = LoopbackChannels.free();
        final String toClients = LoopbackChannels.free();
        final BridgeConfig requests = BridgeConfig.of(toServer, toClients).withConnectTimeout(Duration.ofSeconds(20));
        final BridgeConfig responses = BridgeConfig.of(toClients, toServer)
            .withStreamId(BridgeConfig.DEFAULT_STREAM_ID + 2).withConnectTimeout(Duration.ofSeconds(20));
        return new BridgeConfig[]{ requests, responses };
    }

    private BridgeConfig on(final ShmDirectory host, final BridgeConfig config)
    {
        return config.withEmbeddedDriverDirectory(host.path().resolve("aeron").toString());
    }

    @Test
    @Timeout(120)
    void aRemoteServerAnswersClientsOneAfterAnother() throws Exception
    {
        final BridgeConfig[] configs = configs();
        try (ChannelListener listener = ChannelListener.listen("quotes", channel(serversHost));
            ChannelBridge server = ChannelBridge.toServer("quotes", channel(serversHost),
                on(serversHost, configs[0]), configs[1]);
            ChannelBridge bridge = ChannelBridge.forClients("quotes", channel(clientsHost),
                on(clientsHost, configs[0]), configs[1]);
            EchoServer echo = new EchoServer(listener))
        {
            try (Channel client = Channel.connect("quotes", channel(clientsHost), 30 * SECONDS))
            {
                EchoServer.exchange(client, 0, 5_000);
            }
            // The first client closed: the server hears of it across the bridge, and the next client starts clean.
            try (Channel client = Channel.connect("quotes", channel(clientsHost), 30 * SECONDS))
            {
                EchoServer.exchange(client, 0, 1_000);
            }
            final long deadline = System.nanoTime() + 20 * SECONDS;
            while (echo.clients() < 2 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertEquals(2, echo.clients(), "the server accepted each client once");
            assertNull(echo.failure());
            assertNull(bridge.failure());
            assertNull(server.failure());
        }
        assertTrue(Files.exists(clientsHost.path().resolve("shmq-quotes" + ChannelBridge.UP)), "its queues stay");
    }

    @Test
    @Timeout(120)
    void aServerThatClosesIsSeenByTheRemoteClient() throws Exception
    {
        final BridgeConfig[] configs = configs();
        try (ChannelListener listener = ChannelListener.listen("orders", channel(serversHost));
            ChannelBridge server = ChannelBridge.toServer("orders", channel(serversHost),
                on(serversHost, configs[0]), configs[1]);
            ChannelBridge bridge = ChannelBridge.forClients("orders", channel(clientsHost),
                on(clientsHost, configs[0]), configs[1]);
            Channel client = Channel.connect("orders", channel(clientsHost), 30 * SECONDS))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
            assertTrue(client.offer(7, message, 0, 8));
            try (Channel accepted = listener.accept(30 * SECONDS))
            {
                final int[] got = { 0 };
                final long deadline = System.nanoTime() + 30 * SECONDS;
                while (got[0] == 0 && System.nanoTime() < deadline)
                {
                    accepted.poll((type, buffer, index, length) -> got[0] = type, 1);
                }
                assertEquals(7, got[0], "the client's message reached the server");
            }
            // The server closed its end: the client on the other host sees its channel closed.
            final long deadline = System.nanoTime() + 30 * SECONDS;
            while (client.state() == ChannelState.CONNECTED && System.nanoTime() < deadline)
            {
                client.poll((type, buffer, index, length) -> { }, 16);
                Thread.sleep(1);
            }
            assertEquals(ChannelState.PEER_CLOSED, client.state());
        }
    }

    @Test
    @Timeout(120)
    void aServersBridgeThatStopsEndsTheClientsChannelAndAnotherCarriesTheNextClient() throws Exception
    {
        final BridgeConfig[] configs = configs();
        try (ChannelListener listener = ChannelListener.listen("prices", channel(serversHost));
            EchoServer echo = new EchoServer(listener);
            ChannelBridge bridge = ChannelBridge.forClients("prices", channel(clientsHost),
                on(clientsHost, configs[0]), configs[1]))
        {
            ChannelBridge server = ChannelBridge.toServer("prices", channel(serversHost),
                on(serversHost, configs[0]), configs[1]);
            try (Channel client = Channel.connect("prices", channel(clientsHost), 30 * SECONDS))
            {
                EchoServer.exchange(client, 0, 500);
                server.close();
                final long deadline = System.nanoTime() + 30 * SECONDS;
                while (client.state() == ChannelState.CONNECTED && System.nanoTime() < deadline)
                {
                    client.poll((type, buffer, index, length) -> { }, 16);
                    Thread.sleep(1);
                }
                assertEquals(ChannelState.PEER_CLOSED, client.state(), "the bridge's end was told to the client");
            }
            server = ChannelBridge.toServer("prices", channel(serversHost), on(serversHost, configs[0]), configs[1]);
            try (ChannelBridge restarted = server;
                Channel client = Channel.connect("prices", channel(clientsHost), 30 * SECONDS))
            {
                EchoServer.exchange(client, 0, 500);
                assertNull(restarted.failure());
            }
            assertNull(echo.failure());
            assertNull(bridge.failure());
        }
    }

    @Test
    @Timeout(120)
    void whatAClientSentBeforeItClosedReachesTheServerBeforeTheClose() throws Exception
    {
        final BridgeConfig[] configs = configs();
        try (ChannelListener listener = ChannelListener.listen("burst", channel(serversHost));
            ChannelBridge server = ChannelBridge.toServer("burst", channel(serversHost),
                on(serversHost, configs[0]), configs[1]);
            ChannelBridge bridge = ChannelBridge.forClients("burst", channel(clientsHost),
                on(clientsHost, configs[0]), configs[1]))
        {
            final AtomicReference<Channel> accepted = new AtomicReference<>();
            final Thread acceptor = new Thread(() -> accepted.set(listener.accept(60 * SECONDS)), "acceptor");
            acceptor.start();
            final int burst = 300;
            try (Channel client = Channel.connect("burst", channel(clientsHost), 30 * SECONDS))
            {
                final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
                for (int i = 0; i < burst; i++)
                {
                    message.putLong(0, i);
                    assertTrue(client.offer(3, message, 0, 8), "room in the client's ring");
                }
                // Closed at once: far more than one poll's worth is still in the ring, on its way.
            }
            acceptor.join(60_000);
            try (Channel channel = accepted.get())
            {
                final long[] next = { 0 };
                final long deadline = System.nanoTime() + 30 * SECONDS;
                while (System.nanoTime() < deadline)
                {
                    final int read = channel.poll((type, buffer, index, length) ->
                    {
                        assertEquals(next[0], buffer.getLong(index), "in order, once");
                        next[0]++;
                    }, 64);
                    if (read == 0 && channel.state() != ChannelState.CONNECTED)
                    {
                        break;
                    }
                }
                assertEquals(burst, next[0], "every message the client sent before it closed");
                assertEquals(ChannelState.PEER_CLOSED, channel.state());
            }
        }
    }

    @Test
    @Timeout(120)
    void aServersBridgeThatStopsWhileConnectingLeavesTheClientToItsSuccessor() throws Exception
    {
        final BridgeConfig[] configs = configs();
        try (ChannelBridge bridge = ChannelBridge.forClients("late", channel(clientsHost),
            on(clientsHost, configs[0]), configs[1]))
        {
            // No server listens yet: the server's host starts connecting on the client's OPEN and waits.
            final ChannelBridge first = ChannelBridge.toServer("late", channel(serversHost),
                on(serversHost, configs[0]), configs[1]);
            try (Channel client = Channel.connect("late", channel(clientsHost), 30 * SECONDS))
            {
                final long deadline = System.nanoTime() + 30 * SECONDS;
                while (!first.relay().isConnecting())
                {
                    assertTrue(System.nanoTime() < deadline, "the OPEN reached the server's host");
                    Thread.sleep(1);
                }
                first.close();
                // The server comes up, and so does another bridge on its host: it finds the client's OPEN still
                // waiting and connects for it, and the client gets its answers.
                try (ChannelListener listener = ChannelListener.listen("late", channel(serversHost));
                    EchoServer echo = new EchoServer(listener);
                    ChannelBridge second = ChannelBridge.toServer("late", channel(serversHost),
                        on(serversHost, configs[0]), configs[1]))
                {
                    EchoServer.exchange(client, 0, 200);
                    assertNull(echo.failure());
                    assertNull(second.failure());
                }
            }
            assertNull(bridge.failure());
        }
    }
}
