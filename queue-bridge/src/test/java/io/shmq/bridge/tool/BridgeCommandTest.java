package io.shmq.bridge.tool;

import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelListener;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes on the {@code shmq bridge} command line end in a usage line or a message that says what to do, and an
 * exit status, never a stack trace.
 */
class BridgeCommandTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    /** The other host's /dev/shm, in channel runs. */
    @RegisterExtension
    final ShmDirectory clientsHost = new ShmDirectory();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return BridgeCommand.run(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private String output()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String errors()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void usageMistakesGetTheUsageAndStatusTwo()
    {
        assertEquals(2, run());
        assertTrue(errors().contains("send, receive or channel?"), errors());
        assertTrue(errors().contains(BridgeCommand.usage().get(0)), errors());

        err.reset();
        assertEquals(2, run("forward", "--queue", "orders"));
        assertTrue(errors().contains("unknown bridge command 'forward'"), errors());

        err.reset();
        assertEquals(2, run("send", "--queue", "orders", "--acks", "aeron:udp?endpoint=localhost:1"));
        assertTrue(errors().contains("--to is required"), errors());

        err.reset();
        assertEquals(2, run("send", "--queue", "orders", "--from", "x"));
        assertTrue(errors().contains("unknown option '--from' for bridge send"), errors());

        err.reset();
        assertEquals(2, run("receive", "--queue", "orders", "--from", "x", "--acks", "y", "--stream"));
        assertTrue(errors().contains("--stream needs a value"), errors());

        err.reset();
        assertEquals(2, run("receive", "--queue", "orders", "--from", "x", "--acks", "y", "--dir",
            shm.path().toString(), "--capacity", "lots"));
        assertTrue(errors().contains("--capacity takes a number, not 'lots'"), errors());
        assertTrue(!errors().contains("Exception"), errors());
    }

    @Test
    void channelMistakesGetTheUsageAndStatusTwo()
    {
        assertEquals(2, run("channel", "--name", "quotes", "--side", "clients", "--requests", "x", "--responses",
            "y"));
        assertTrue(errors().contains("--capacity is required"), errors());

        err.reset();
        assertEquals(2, run("channel", "--name", "quotes", "--side", "both", "--requests", "x", "--responses", "y",
            "--capacity", "65536"));
        assertTrue(errors().contains("--side is clients (this host has the channel's clients) or server"), errors());

        err.reset();
        assertEquals(2, run("channel", "--name", "quotes", "--side", "server", "--requests", "x", "--responses", "y",
            "--capacity", "65536", "--queue", "q"));
        assertTrue(errors().contains("unknown option '--queue' for bridge channel"), errors());
        assertTrue(errors().contains(BridgeCommand.usage().get(0)) && !errors().contains("Exception"), errors());
    }

    @Test
    void aChannelRunsBetweenTwoHostsThroughTheCommandOnEach() throws Exception
    {
        final String toServer = LoopbackChannels.free();
        final String toClients = LoopbackChannels.free();
        final ChannelConfig serversChannel = ChannelConfig.of(QueueConfig.spsc(65536).withDirectory(shm.path()));
        final ChannelConfig clientsChannel = ChannelConfig.of(
            QueueConfig.spsc(65536).withDirectory(clientsHost.path()));
        final ExecutorService threads = Executors.newCachedThreadPool();
        try (ChannelListener listener = ChannelListener.listen("quotes", serversChannel))
        {
            final Future<Integer> serverSide = threads.submit(() -> run("channel", "--name", "quotes", "--side",
                "server", "--requests", toServer, "--responses", toClients, "--capacity", "65536", "--dir",
                shm.path().toString(), "--connect-timeout", "20000"));
            final Future<Integer> clientsSide = threads.submit(() -> run("channel", "--name", "quotes", "--side",
                "clients", "--requests", toServer, "--responses", toClients, "--capacity", "65536", "--dir",
                clientsHost.path().toString(), "--connect-timeout", "20000"));
            final Future<Long> answer = threads.submit(() ->
            {
                try (Channel client = Channel.connect("quotes", clientsChannel, 20 * SECOND))
                {
                    final UnsafeBuffer question = new UnsafeBuffer(new byte[8]);
                    question.putLong(0, 21);
                    assertTrue(client.offer(1, question, 0, 8));
                    return receiveOne(client);
                }
            });
            try (Channel server = listener.accept(20 * SECOND))
            {
                final UnsafeBuffer reply = new UnsafeBuffer(new byte[8]);
                reply.putLong(0, receiveOne(server) * 2);
                assertTrue(server.offer(2, reply, 0, 8));
                assertEquals(42L, answer.get(20, TimeUnit.SECONDS));
            }
            assertTrue(output().contains("running channel 'quotes'"), output());
            // Stopped as an embedded command is: its thread interrupted, the bridge closed on the way out.
            threads.shutdownNow();
            assertEquals(0, serverSide.get(20, TimeUnit.SECONDS), errors());
            assertEquals(0, clientsSide.get(20, TimeUnit.SECONDS), errors());
        }
        finally
        {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS), "a bridge command did not stop");
        }
    }

    private static long receiveOne(final Channel channel)
    {
        final long[] value = { -1 };
        final long deadline = System.nanoTime() + 20 * SECOND;
        while (value[0] < 0 && System.nanoTime() - deadline < 0)
        {
            if (channel.poll((type, buffer, index, length) -> value[0] = buffer.getLong(index), 1) == 0)
            {
                channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
        assertTrue(value[0] >= 0, "nothing came within 20 s");
        return value[0];
    }

    @Test
    void aMissingQueueIsNamedWithWhatToDo()
    {
        assertEquals(1, run("send", "--queue", "orders", "--to", "aeron:udp?endpoint=localhost:40456", "--acks",
            "aeron:udp?endpoint=localhost:40457", "--dir", shm.path().toString()));
        assertTrue(errors().contains("no queue 'orders' in " + shm.path() + ": the sending side bridges an existing " +
            "queue"), errors());

        err.reset();
        assertEquals(1, run("receive", "--queue", "orders", "--from", "aeron:udp?endpoint=localhost:40456",
            "--acks", "aeron:udp?endpoint=localhost:40457", "--dir", shm.path().toString()));
        assertTrue(errors().contains("give --capacity"), errors());
    }

    @Test
    void aReceiverRefusesAnMpscQueue()
    {
        try (ShmQueue queue = ShmQueue.create("orders", QueueConfig.mpsc(4096).withDirectory(shm.path())))
        {
            assertEquals(1, run("receive", "--queue", "orders", "--from", "aeron:udp?endpoint=localhost:40456",
                "--acks", "aeron:udp?endpoint=localhost:40457", "--dir", shm.path().toString()));
            assertTrue(errors().contains("create the queue on this host as SPSC"), errors());
        }
    }

    @Test
    void aSenderWithNobodyToSendToSaysSoAfterItsConnectTimeout() throws Exception
    {
        try (ShmQueue queue = ShmQueue.create("orders", QueueConfig.spsc(4096).withDirectory(shm.path())))
        {
            final long start = System.nanoTime();
            assertEquals(1, run("send", "--queue", "orders", "--to", LoopbackChannels.free(), "--acks",
                LoopbackChannels.free(), "--dir", shm.path().toString(), "--connect-timeout", "1500"));
            final long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(errors().contains("no bridge receiver connected to aeron:udp?endpoint=localhost:") &&
                errors().contains("within 1500 ms"), errors());
            assertTrue(millis >= 1500 && millis < 20_000, millis + " ms");
        }
    }

    @Test
    void aReceiverThatNoSenderReachesSaysSoAfterItsConnectTimeout() throws Exception
    {
        final String data = LoopbackChannels.free();
        assertEquals(1, run("receive", "--queue", "orders", "--from", data, "--acks", LoopbackChannels.free(),
            "--dir", shm.path().toString(), "--capacity", "65536", "--connect-timeout", "1500"));
        assertTrue(errors().contains("no bridge sender connected on " + data) &&
            errors().contains("within 1500 ms"), errors());
    }
}
