package io.shmq.channel;

import io.shmq.platform.JvmRequirements;
import io.shmq.process.ProcessIdentity;
import io.shmq.rpc.RequestClient;
import io.shmq.support.ChannelPeerProcess;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channels and request/response between JVMs: a peer killed with SIGKILL is noticed within the liveness interval,
 * a restarted peer reconnects (also over the rings a killed server left), many requests in flight are each answered exactly once, and a request to a dead or
 * silent server ends instead of hanging.
 */
class ChannelProcessTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private ChildJvm start(final String role, final String name)
    {
        return ChildJvm.start(ChannelPeerProcess.class, role, shm.path().toString(), name);
    }

    /**
     * Polls (and waits) until the channel stops being connected; returns how long that took.
     */
    private static long awaitEnd(final Channel channel, final long timeoutNanos)
    {
        final long start = System.nanoTime();
        while (channel.isConnected())
        {
            if (channel.poll((type, buffer, index, length) -> { }, 64) == 0)
            {
                channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertTrue(System.nanoTime() - start < timeoutNanos, "peer's end not noticed in time");
        }
        return System.nanoTime() - start;
    }

    @Test
    void killedClientIsNoticedAndARestartedOneConnects()
    {
        try (ChannelListener listener = ChannelListener.listen("kill-client", ChannelPeerProcess.config(shm.path())))
        {
            final Channel server1;
            try (ChildJvm first = start("client", "kill-client"))
            {
                server1 = listener.accept(30 * SECOND);
                first.awaitOutput("CONNECTED", 30);
                assertEquals(first.pid(), server1.peer().pid());
                first.kill();
                final long noticed = awaitEnd(server1, 5 * SECOND);
                assertEquals(ChannelState.PEER_DIED, server1.state());
                assertTrue(noticed < 2 * SECOND, "noticed after " + noticed / 1000_000 + " ms");
            }
            try (ChildJvm second = start("client", "kill-client"))
            {
                final Channel server2 = listener.accept(30 * SECOND);
                second.awaitOutput("CONNECTED", 30);
                assertEquals(second.pid(), server2.peer().pid());
                assertTrue(server2.isConnected());
                assertEquals(ChannelState.CLOSED, server1.state(), "the dead client's channel is closed by accept");
                assertEquals(0, server1.poll((type, buffer, index, length) -> { }, 64));
            }
        }
    }

    @Test
    void aClientInAnotherPidNamespaceIsKeptWhileItLivesAndDroppedByItsHeartbeat()
    {
        Assumptions.assumeTrue(Files.isExecutable(
            Path.of("/usr/bin/unshare")) && ProcessIdentity.effectiveUid() == 0,
            "needs unshare and root");
        final ChannelConfig config = ChannelPeerProcess.config(shm.path()).withPeerTimeout(Duration.ofSeconds(1));
        try (ChannelListener listener = ChannelListener.listen("other-ns", config);
            ChildJvm client = ChildJvm.start(List.of("/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc"),
                List.of(JvmRequirements.REQUIRED_FLAG.split(" ")), System.getProperty("java.class.path"),
                ChannelPeerProcess.class, "client", shm.path().toString(), "other-ns"))
        {
            final Channel server = listener.accept(30 * SECOND);
            client.awaitOutput("CONNECTED", 30);
            assertTrue(server.peer().pid() != client.pid(), "its pid is namespace-local");
            // Its pid means nothing here: it must not be taken for dead while it lives (3 x the peer timeout).
            final long until = System.nanoTime() + 3 * SECOND;
            while (System.nanoTime() < until)
            {
                if (server.poll((type, buffer, index, length) -> { }, 64) == 0)
                {
                    server.awaitMessages(TimeUnit.MILLISECONDS.toNanos(10));
                }
            }
            assertEquals(ChannelState.CONNECTED, server.state());
            client.kill();
            final long noticed = awaitEnd(server, 10 * SECOND);
            assertEquals(ChannelState.PEER_TIMED_OUT, server.state());
            assertTrue(noticed < 3 * SECOND, "noticed after " + noticed / 1000_000 + " ms");
        }
    }

    @Test
    void requestsInFlightAreEachAnsweredOnceAndARestartedServerServesAgain()
    {
        for (int life = 0; life < 2; life++)
        {
            try (ChildJvm server = start("server", "rpc"))
            {
                server.awaitOutput("LISTENING", 30);
                try (Channel channel = Channel.connect("rpc", ChannelPeerProcess.config(shm.path()), 30 * SECOND))
                {
                    final Map<Long, Long> expected = new HashMap<>();
                    final long[] answered = { 0, 0 };
                    final RequestClient client = new RequestClient(channel, (id, type, buffer, index, length) ->
                    {
                        final Long want = expected.remove(id);
                        if (want == null || want != buffer.getLong(index) || type != 2)
                        {
                            answered[1]++;
                        }
                        answered[0]++;
                    });
                    final UnsafeBuffer body = new UnsafeBuffer(new byte[8]);
                    final int requests = 200_000;
                    int sent = 0;
                    final long deadline = System.nanoTime() + 60 * SECOND;
                    while (answered[0] < requests)
                    {
                        // Up to 256 in flight.
                        while (sent < requests && sent - answered[0] < 256)
                        {
                            body.putLong(0, sent + life);
                            final long id = client.send(1, body, 0, 8);
                            if (id == RequestClient.NOT_SENT)
                            {
                                break;
                            }
                            expected.put(id, 3L * (sent + life));
                            sent++;
                        }
                        if (client.poll(256) == 0)
                        {
                            channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(1));
                        }
                        assertTrue(System.nanoTime() < deadline, "answered " + answered[0] + " of " + requests);
                    }
                    assertEquals(0, answered[1], "responses not matching their request");
                    assertTrue(expected.isEmpty(), expected.size() + " requests unanswered");

                    assertEquals(42, ChannelPeerProcess.askTripled(client, 14));
                }
                assertTrue(server.awaitSuccess(30).contains("ENDED PEER_CLOSED"), server.output());
            }
        }
    }

    @Test
    void requestToAServerThatDiesEndsWithTheChannelClosed()
    {
        try (ChildJvm server = start("silent-server", "dies"))
        {
            server.awaitOutput("LISTENING", 30);
            try (Channel channel = Channel.connect("dies", ChannelPeerProcess.config(shm.path()), 30 * SECOND))
            {
                server.awaitOutput("ACCEPTED", 30);
                final RequestClient client = new RequestClient(channel, (id, type, buffer, index, length) -> { });
                final UnsafeBuffer body = new UnsafeBuffer(new byte[8]);

                final long start = System.nanoTime();
                assertFalse(client.request(1, body, 0, 8, (id, type, buffer, index, length) -> { },
                    TimeUnit.MILLISECONDS.toNanos(300)), "a silent server: the request times out");
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300));

                server.kill();
                final long killed = System.nanoTime();
                final ChannelClosedException ex = assertThrows(ChannelClosedException.class, () ->
                    client.request(1, body, 0, 8, (id, type, buffer, index, length) -> { }, 60 * SECOND));
                assertEquals(ChannelState.PEER_DIED, ex.state());
                assertTrue(System.nanoTime() - killed < 5 * SECOND, "not the 60 s timeout");
            }
        }
        // A server restarted over the rings the dead one left: the client connects again and is served.
        try (ChildJvm server = start("server", "dies"))
        {
            server.awaitOutput("LISTENING", 30);
            try (Channel channel = Channel.connect("dies", ChannelPeerProcess.config(shm.path()), 30 * SECOND))
            {
                final RequestClient client = new RequestClient(channel, (id, type, buffer, index, length) -> { });
                assertEquals(42, ChannelPeerProcess.askTripled(client, 14));
            }
            server.awaitSuccess(30);
        }
    }
}
