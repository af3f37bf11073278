package io.shmq.bridge;

import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.inspect.BridgeSnapshot;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two bridge halves in one JVM, each with its own embedded media driver and its own queue directory (two "hosts"),
 * over UDP on the loopback: every message arrives once, in order, with its type id, length and bytes, also across
 * a restart of either half.
 */
class QueueBridgeTest
{
    private static final int MAX_MESSAGE = 6_000;

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[MAX_MESSAGE]);

    private static BridgeConfig config()
    {
        return BridgeConfig.of(LoopbackChannels.free(), LoopbackChannels.free())
            .withConnectTimeout(Duration.ofSeconds(20));
    }

    /** Each half's embedded media driver in its host's directory: removed with it even when a test fails. */
    private BridgeConfig on(final ShmDirectory host, final BridgeConfig config)
    {
        return config.withEmbeddedDriverDirectory(host.path().resolve("aeron").toString());
    }

    private QueueConfig queueConfig(final Path directory, final boolean spsc)
    {
        return (spsc ? QueueConfig.spsc(256 * 1024) : QueueConfig.mpsc(256 * 1024)).withDirectory(directory)
            .withMaxMessageLength(MAX_MESSAGE);
    }

    /** Message {@code i}: type id 1 + i % 7, a length from 8 to 5,007 (some longer than a UDP datagram). */
    private static int lengthOf(final long i)
    {
        return 8 + (int)((i * 7919) % (i % 50 == 0 ? 5_000 : 200));
    }

    private void offer(final RingProducer producer, final long i) throws InterruptedException
    {
        final int length = lengthOf(i);
        src.putLong(0, i);
        for (int b = 8; b < length; b++)
        {
            src.putByte(b, (byte)(i * 31 + b));
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!producer.offer(1 + (int)(i % 7), src, 0, length))
        {
            if (System.nanoTime() > deadline)
            {
                fail("the sending queue stayed full at message " + i);
            }
            Thread.sleep(1);
        }
    }

    /** Reads on B until {@code until} messages arrived, checking each against {@code next}. */
    private static long receive(final RingConsumer consumer, final long next, final long until,
        final QueueBridge... running) throws InterruptedException
    {
        final long[] expected = { next };
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (expected[0] < until)
        {
            final int read = consumer.read((type, buffer, index, length) ->
            {
                final long i = buffer.getLong(index);
                assertEquals(expected[0], i, "the next message in order, once");
                assertEquals(1 + (int)(i % 7), type, "type id of message " + i);
                assertEquals(lengthOf(i), length, "length of message " + i);
                for (int b = 8; b < length; b++)
                {
                    if (buffer.getByte(index + b) != (byte)(i * 31 + b))
                    {
                        fail("byte " + b + " of message " + i + " differs");
                    }
                }
                expected[0]++;
            }, 256);
            if (read == 0)
            {
                for (final QueueBridge bridge : running)
                {
                    if (bridge.failure() != null)
                    {
                        throw new AssertionError("a bridge failed", bridge.failure());
                    }
                }
                if (System.nanoTime() > deadline)
                {
                    fail("only " + expected[0] + " of " + until + " messages arrived");
                }
                Thread.sleep(1);
            }
        }
        return expected[0];
    }

    @Test
    @Timeout(120)
    void aDuplexBridgeCarriesBothDirectionsOnOneThreadPerHost() throws Exception
    {
        // Requests A to B and responses B to A; each direction's data shares a channel with the other's
        // acknowledgements, on its own stream ids.
        final String toB = LoopbackChannels.free();
        final String toA = LoopbackChannels.free();
        final BridgeConfig requests = BridgeConfig.of(toB, toA).withConnectTimeout(Duration.ofSeconds(20));
        final BridgeConfig responses = BridgeConfig.of(toA, toB).withStreamId(BridgeConfig.DEFAULT_STREAM_ID + 2)
            .withConnectTimeout(Duration.ofSeconds(20));
        try (ShmQueue requestsA = ShmQueue.create("requests", queueConfig(hostA.path(), false));
            ShmQueue requestsB = ShmQueue.create("requests", queueConfig(hostB.path(), true));
            ShmQueue responsesB = ShmQueue.create("responses", queueConfig(hostB.path(), false));
            ShmQueue responsesA = ShmQueue.create("responses", queueConfig(hostA.path(), true));
            QueueBridge b = QueueBridge.duplex(responsesB, on(hostB, responses), requestsB, requests);
            QueueBridge a = QueueBridge.duplex(requestsA, on(hostA, requests), responsesA, responses))
        {
            final RingProducer request = requestsA.producer();
            final RingConsumer served = requestsB.consumer();
            final RingProducer response = responsesB.producer();
            final RingConsumer answered = responsesA.consumer();
            long servedCount = 0;
            long answeredCount = 0;
            for (int i = 0; i < 3_000; i++)
            {
                offer(request, i);
                offer(response, i);
                if (i % 100 == 99)
                {
                    servedCount = receive(served, servedCount, i + 1, a, b);
                    answeredCount = receive(answered, answeredCount, i + 1, a, b);
                }
            }
            assertEquals(3_000, servedCount);
            assertEquals(3_000, answeredCount);
            assertTrue(a.sender().sentMessages() >= 3_000 && b.sender().sentMessages() >= 3_000);
            // The acknowledgements came back too: both sending rings are given back whole.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (a.sender().releasedPosition() < requestsA.header().tailPosition() ||
                b.sender().releasedPosition() < responsesB.header().tailPosition())
            {
                assertTrue(System.nanoTime() < deadline, "everything acknowledged: " + a + " / " + b);
                Thread.sleep(1);
            }
            assertEquals(0, a.reconnects());
        }
    }

    @Test
    @Timeout(120)
    void everyMessageArrivesOnceInOrderWithItsTypeAndLength() throws Exception
    {
        final BridgeConfig config = config();
        try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
            ShmQueue b = ShmQueue.create("orders", queueConfig(hostB.path(), true));
            QueueBridge receiver = QueueBridge.receive(b, on(hostB, config));
            QueueBridge sender = QueueBridge.send(a, on(hostA, config)))
        {
            final RingProducer producer = a.producer();
            final RingConsumer consumer = b.consumer();
            long sent = 0;
            long received = 0;
            while (sent < 20_000)
            {
                offer(producer, sent++);
                if (sent % 2_000 == 0)
                {
                    received = receive(consumer, received, sent, sender, receiver);
                }
            }
            assertEquals(20_000, receive(consumer, received, sent, sender, receiver));
            final BridgeSender agent = sender.sender();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (agent.releasedPosition() < a.header().tailPosition() && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(a.header().tailPosition(), agent.releasedPosition(), "all acknowledged and released");
            // What `shmq list` shows of the two halves.
            final long tail = a.header().tailPosition();
            BridgeSnapshot out = null;
            while (System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(5))
            {
                out = BridgeSnapshot.list(hostA.path()).get(0);
                if (out.end() == tail)
                {
                    break;
                }
                Thread.sleep(10);
            }
            assertNotNull(out);
            assertTrue(!out.receiver() && out.alive() && out.pid() == ProcessHandle.current().pid(), out.toString());
            assertEquals(tail, out.end(), "acknowledged");
            assertEquals(tail, out.sent(), "sent");
            final BridgeSnapshot in = BridgeSnapshot.list(hostB.path()).get(0);
            assertTrue(in.receiver() && in.alive(), in.toString());
            assertEquals(tail, in.end(), "committed");
            assertEquals(20_000, in.messages());
        }
        assertTrue(BridgeSnapshot.list(hostA.path()).isEmpty(), "a stopped sender leaves no state behind");
        assertEquals(1, BridgeSnapshot.list(hostB.path()).size(), "a receiver keeps what it committed");
    }

    @Test
    @Timeout(120)
    void aRestartedReceiverOrSenderGoesOnWithoutLossOrRepeat() throws Exception
    {
        final BridgeConfig config = config();
        try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
            ShmQueue b = ShmQueue.create("orders", queueConfig(hostB.path(), true)))
        {
            final RingProducer producer = a.producer();
            final RingConsumer consumer = b.consumer();
            long sent = 0;
            long received = 0;
            long duplicates = 0;
            long rewinds = 0;
            QueueBridge receiver = QueueBridge.receive(b, on(hostB, config));
            QueueBridge sender = QueueBridge.send(a, on(hostA, config));
            try
            {
                for (int restart = 0; restart < 6; restart++)
                {
                    for (int i = 0; i < 1_500; i++)
                    {
                        offer(producer, sent++);
                    }
                    // Restart one half while messages are in flight, unread or unacknowledged.
                    if (restart % 2 == 0)
                    {
                        receiver.close();
                        duplicates += receiver.receiver().duplicates();
                        receiver = QueueBridge.receive(b, on(hostB, config));
                    }
                    else
                    {
                        sender.close();
                        rewinds += (sender.sender()).rewinds();
                        sender = QueueBridge.send(a, on(hostA, config));
                    }
                    for (int i = 0; i < 500; i++)
                    {
                        offer(producer, sent++);
                    }
                    received = receive(consumer, received, sent, sender, receiver);
                }
            }
            finally
            {
                sender.close();
                receiver.close();
            }
            duplicates += receiver.receiver().duplicates();
            rewinds += (sender.sender()).rewinds();
            System.out.printf("restarts: %d messages, %d resent and dropped as duplicates, %d rewinds%n", sent,
                duplicates, rewinds);
            assertEquals(sent, received);
            assertTrue(duplicates > 0, "restarts with messages in flight made the sender send some again");
        }
    }

    @Test
    @Timeout(60)
    void aReceiverRefusesAQueueOfAnotherNameOrWithShorterMessages() throws Exception
    {
        final BridgeConfig config = config();
        try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
            ShmQueue b = ShmQueue.create("orders", QueueConfig.spsc(256 * 1024).withDirectory(hostB.path())
                .withMaxMessageLength(1024));
            QueueBridge receiver = QueueBridge.receive(b, on(hostB, config));
            QueueBridge sender = QueueBridge.send(a, on(hostA, config)))
        {
            assertTrue(receiver.awaitStop(20_000), "the receiver stops");
            assertNotNull(receiver.failure());
            final String message = receiver.failure().getMessage();
            assertTrue(message.contains("max message length of at least " + MAX_MESSAGE), message);
            assertThrows(BridgeException.class, receiver::close);
        }
    }

    @Test
    @Timeout(60)
    void aReceiverInsistsOnBeingTheOnlyProducerOfAnSpscQueue() throws Exception
    {
        try (ShmQueue b = ShmQueue.create("orders", queueConfig(hostB.path(), false)))
        {
            final BridgeConfig config = on(hostB, config());
            final BridgeException refused = assertThrows(BridgeException.class, () -> new BridgeReceiver(b, config));
            assertTrue(refused.getMessage().contains("create the queue on this host as SPSC"), refused.getMessage());
        }
    }

    @Test
    @Timeout(120)
    void aQueueCreatedAgainOnTheSendingHostIsNotTakenForTheOldOne() throws Exception
    {
        final BridgeConfig config = config();
        try (ShmQueue b = ShmQueue.create("orders", queueConfig(hostB.path(), true)))
        {
            final RingConsumer consumer = b.consumer();
            try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
                QueueBridge receiver = QueueBridge.receive(b, on(hostB, config));
                QueueBridge sender = QueueBridge.send(a, on(hostA, config)))
            {
                final RingProducer producer = a.producer();
                for (long i = 0; i < 100; i++)
                {
                    offer(producer, i);
                }
                assertEquals(100, receive(consumer, 0, 100, sender, receiver));
            }
            assertTrue(ShmQueue.delete("orders", hostA.path()));
            // Its positions start at 0 again: the receiver remembers ends up to thousands of bytes.
            try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
                QueueBridge receiver = QueueBridge.receive(b, on(hostB, config));
                QueueBridge sender = QueueBridge.send(a, on(hostA, config)))
            {
                offer(a.producer(), 0);
                assertTrue(receiver.awaitStop(20_000), "the receiver stops");
                final String message = receiver.failure().getMessage();
                assertTrue(message.contains("was created again"), message);
                assertThrows(BridgeException.class, receiver::close);
                assertEquals(0, consumer.read((type, buffer, index, length) -> { }, 10), "nothing dropped silently " +
                    "or written as if it were old");
            }
        }
    }

    @Test
    @Timeout(60)
    void aReceiverWhoseQueueNobodyDrainsFailsAfterItsFullTimeout() throws Exception
    {
        final BridgeConfig config = config().withFullQueueTimeout(Duration.ofMillis(500));
        try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
            ShmQueue b = ShmQueue.create("orders", QueueConfig.spsc(64 * 1024).withDirectory(hostB.path())
                .withMaxMessageLength(MAX_MESSAGE));
            QueueBridge receiver = QueueBridge.receive(b, on(hostB, config));
            QueueBridge sender = QueueBridge.send(a, on(hostA, config)))
        {
            final RingProducer producer = a.producer();
            // 64 KiB on B: a few hundred of these fill it; A's 256 KiB ring takes them all.
            for (long i = 0; i < 600; i++)
            {
                offer(producer, i);
            }
            assertTrue(receiver.awaitStop(20_000), "the receiver stops");
            final String message = receiver.failure().getMessage();
            assertTrue(message.contains("queue 'orders' on this host has been full for 500 ms: is its consumer " +
                "running?"), message);
            assertThrows(BridgeException.class, receiver::close);
            assertTrue(sender.isRunning(), "the sender keeps the rest in its ring for a receiver to come");
        }
    }

    @Test
    @Timeout(60)
    void aSenderWhoseAcknowledgementsGoElsewhereSaysSo() throws Exception
    {
        final String data = LoopbackChannels.free();
        final BridgeConfig sending = BridgeConfig.of(data, LoopbackChannels.free())
            .withConnectTimeout(Duration.ofMillis(1500));
        final BridgeConfig receiving = BridgeConfig.of(data, LoopbackChannels.free())
            .withConnectTimeout(Duration.ofSeconds(20));
        try (ShmQueue a = ShmQueue.create("orders", queueConfig(hostA.path(), false));
            ShmQueue b = ShmQueue.create("orders", queueConfig(hostB.path(), true));
            QueueBridge receiver = QueueBridge.receive(b, on(hostB, receiving));
            QueueBridge sender = QueueBridge.send(a, on(hostA, sending)))
        {
            offer(a.producer(), 0);
            assertTrue(sender.awaitStop(20_000), "the sender stops");
            final String message = sender.failure().getMessage();
            assertTrue(message.contains("no acknowledgement came on " + sending.ackChannel()), message);
            assertThrows(BridgeException.class, sender::close);
            assertEquals(1, receive(b.consumer(), 0, 1, receiver), "the message itself went through");
        }
    }
}
