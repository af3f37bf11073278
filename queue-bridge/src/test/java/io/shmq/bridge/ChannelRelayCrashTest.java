package io.shmq.bridge;

import io.aeron.CommonContext;
import io.shmq.QueueConfig;
import io.shmq.bridge.support.EchoServer;
import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.bridge.tool.BridgeCommand;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelListener;
import io.shmq.channel.ChannelState;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A channel's relays ({@code shmq bridge channel}, each in a child JVM) killed with SIGKILL while a client's
 * requests and the server's answers flow through them: the client sees its connection end (as it would see a
 * local server die) instead of waiting forever, the server takes the next connection, and the next client's
 * requests are answered whole and in order, with nothing of the killed connection's. A relay that does not come
 * back ends its connection on the other host after Aeron's image liveness timeout and the channel's peer
 * timeout.
 */
class ChannelRelayCrashTest
{
    private static final long SECONDS = TimeUnit.SECONDS.toNanos(1);
    private static final int SERVER_SIDE = 0;
    private static final int CLIENTS_SIDE = 1;

    @RegisterExtension
    final ShmDirectory clientsHost = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory serversHost = new ShmDirectory();

    @Test
    @Timeout(240)
    void killingEitherRelayEndsItsConnectionAndTheNextOneIsAnswered() throws Exception
    {
        final String name = "relay-" + ProcessHandle.current().pid();
        final String[][] args = relayArgs(name);
        final ChannelConfig clientChannel = channel(clientsHost);
        final ChildJvm[] relays = new ChildJvm[2];
        try (ChannelListener listener = ChannelListener.listen(name, channel(serversHost));
            EchoServer echo = new EchoServer(listener))
        {
            relays[SERVER_SIDE] = start(args[SERVER_SIDE]);
            relays[CLIENTS_SIDE] = start(args[CLIENTS_SIDE]);
            long first = 0;
            for (final int victim : new int[]{ SERVER_SIDE, CLIENTS_SIDE, SERVER_SIDE, CLIENTS_SIDE })
            {
                try (Channel client = Channel.connect(name, clientChannel, 30 * SECONDS))
                {
                    first = EchoServer.exchange(client, first, 300);
                    // Requests in flight as the victim dies: they end with the connection, as over a socket.
                    offer(client, first);
                    relays[victim].kill();
                    final long killedAt = System.nanoTime();
                    relays[victim] = start(args[victim]);
                    awaitEnd(client, killedAt, victim == SERVER_SIDE ? "server's" : "clients'");
                }
                first += 1_000;
            }
            try (Channel client = Channel.connect(name, clientChannel, 30 * SECONDS))
            {
                EchoServer.exchange(client, first, 300);
            }
            assertNull(echo.failure(), () -> String.valueOf(echo.failure()));
            assertTrue(echo.clients() >= 5, "the server took each new connection: " + echo.clients());
        }
        finally
        {
            for (final ChildJvm relay : relays)
            {
                if (relay != null)
                {
                    relay.kill();
                }
            }
            deleteDriverDirectories(name);
        }
    }

    @Test
    @Timeout(120)
    void aClientWhoseServerHostsRelayDiesForGoodSeesItsConnectionEnd() throws Exception
    {
        final String name = "gone-" + ProcessHandle.current().pid();
        final String[][] args = relayArgs(name);
        final ChildJvm[] relays = new ChildJvm[2];
        try (ChannelListener listener = ChannelListener.listen(name, channel(serversHost));
            EchoServer echo = new EchoServer(listener))
        {
            relays[SERVER_SIDE] = start(List.of(), args[SERVER_SIDE]);
            // This host's driver gives up on a silent stream after 2 s instead of Aeron's 10.
            relays[CLIENTS_SIDE] = start(List.of("-Daeron.image.liveness.timeout=" + 2 * SECONDS),
                args[CLIENTS_SIDE]);
            try (Channel client = Channel.connect(name, channel(clientsHost), 30 * SECONDS))
            {
                EchoServer.exchange(client, 0, 100);
                relays[SERVER_SIDE].kill();
                final long killedAt = System.nanoTime();
                // Silence of the stream (2 s), then the channel's peer timeout (10 s): as a local server's death
                // is seen after the peer timeout when nothing else tells it.
                awaitEnd(client, killedAt, "server's (not restarted)");
                final double seconds = (System.nanoTime() - killedAt) / 1e9;
                assertTrue(seconds > 10 && seconds < 30, seconds + " s");
            }
        }
        finally
        {
            for (final ChildJvm relay : relays)
            {
                if (relay != null)
                {
                    relay.kill();
                }
            }
            deleteDriverDirectories(name);
        }
    }

    private static void deleteDriverDirectories(final String name)
    {
        // What the killed relays' embedded drivers left (a run after a killed one empties it; none comes).
        ShmDirectory.deleteRecursively(Path.of(CommonContext.getAeronDirectoryName() + "-shmq-bridge-duplex-" +
            name + ChannelBridge.UP + "-" + name + ChannelBridge.DOWN));
        ShmDirectory.deleteRecursively(Path.of(CommonContext.getAeronDirectoryName() + "-shmq-bridge-duplex-" +
            name + ChannelBridge.DOWN + "-" + name + ChannelBridge.UP));
    }

    private static ChannelConfig channel(final ShmDirectory host)
    {
        return ChannelConfig.of(QueueConfig.spsc(64 * 1024).withDirectory(host.path()));
    }

    /** Each host's {@code shmq bridge channel} arguments (by side), on two fresh loopback endpoints. */
    private String[][] relayArgs(final String name)
    {
        final String toServer = LoopbackChannels.free();
        final String toClients = LoopbackChannels.free();
        final String[][] args = new String[2][];
        args[SERVER_SIDE] = relayArgs(name, "server", toServer, toClients, serversHost.path());
        args[CLIENTS_SIDE] = relayArgs(name, "clients", toServer, toClients, clientsHost.path());
        return args;
    }

    private static String[] relayArgs(final String name, final String side, final String toServer,
        final String toClients, final Path directory)
    {
        return new String[]{ "channel", "--name", name, "--side", side, "--requests", toServer, "--responses",
            toClients, "--capacity", Integer.toString(64 * 1024), "--dir", directory.toString(),
            "--connect-timeout", "30000" };
    }

    private static ChildJvm start(final String[] args)
    {
        return start(List.of(), args);
    }

    private static ChildJvm start(final List<String> properties, final String[] args)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.addAll(properties);
        final ChildJvm child = ChildJvm.start(options, BridgeCommand.class, args);
        child.awaitOutput("running", 60);
        return child;
    }

    private static void offer(final Channel client, final long first)
    {
        final UnsafeBuffer request = new UnsafeBuffer(new byte[8]);
        for (long n = first; n < first + 20; n++)
        {
            request.putLong(0, n);
            client.offer(5, request, 0, 8);
        }
    }

    /** Reads (discarding the killed connection's late answers) until the client sees its connection end. */
    private static void awaitEnd(final Channel client, final long killedAt, final String victim)
    {
        final long deadline = killedAt + 60 * SECONDS;
        while (client.state() == ChannelState.CONNECTED)
        {
            if (client.poll((type, buffer, index, length) -> { }, 64) == 0)
            {
                client.awaitMessages(TimeUnit.MILLISECONDS.toNanos(10));
            }
            if (System.nanoTime() > deadline)
            {
                fail("the client's connection outlived the " + victim + " relay's SIGKILL by 60 s");
            }
        }
        System.out.printf("%s relay killed: the client saw its connection end after %.2f s (%s)%n", victim,
            (System.nanoTime() - killedAt) / 1e9, client.state());
    }
}
