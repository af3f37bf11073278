package io.shmq.bridge.tool;

import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes on the {@code shmq bridge} command line end in a usage line or a message that says what to do, and an
 * exit status, never a stack trace.
 */
class BridgeCommandTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return BridgeCommand.run(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private String errors()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void usageMistakesGetTheUsageAndStatusTwo()
    {
        assertEquals(2, run());
        assertTrue(errors().contains("send or receive?"), errors());
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
