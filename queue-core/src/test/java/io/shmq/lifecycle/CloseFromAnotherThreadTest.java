package io.shmq.lifecycle;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelClosedException;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelListener;
import io.shmq.errors.QueueClosedException;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a thread sees when another closes the queue, endpoint or channel it is using: a wait ends at once, a held
 * claim keeps the memory until its commit (which then throws), a handler running keeps it until it returns, and
 * the roles go back for the next user as soon as nobody is inside.
 */
class CloseFromAnotherThreadTest
{
    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(20);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private QueueConfig config(final String kind)
    {
        return ("mpsc".equals(kind) ? QueueConfig.mpsc(64 * 1024) : QueueConfig.spsc(64 * 1024))
            .withDirectory(shm.path());
    }

    @ParameterizedTest
    @ValueSource(strings = { "spsc", "mpsc" })
    void aConsumerAsleepForMessagesWakesAndThrowsWhenAnotherThreadCloses(final String kind) throws Exception
    {
        final ShmQueue queue = ShmQueue.create("asleep", config(kind));
        final RingConsumer consumer = queue.consumer();
        final CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() ->
        {
            // Without queue-native a wait is a 1 ms park that may return early: wait as a user would, in a loop.
            assertThrows(QueueClosedException.class, () ->
            {
                while (true)
                {
                    consumer.awaitMessages(LONG_WAIT);
                }
            });
            return System.nanoTime();
        });
        TimeUnit.MILLISECONDS.sleep(200);
        final long closedAt = System.nanoTime();
        queue.close();
        final long afterMillis = TimeUnit.NANOSECONDS.toMillis(woke.get(10, TimeUnit.SECONDS) - closedAt);
        assertTrue(afterMillis < 2_000, kind + ": the wait ended " + afterMillis + " ms after the close");
        assertTrue(queue.guard().isReleased(), kind + ": unmapped once the waiter left");
    }

    @ParameterizedTest
    @ValueSource(strings = { "spsc", "mpsc" })
    void aProducerAsleepOnAFullRingWakesAndThrowsWhenAnotherThreadCloses(final String kind) throws Exception
    {
        final ShmQueue queue = ShmQueue.create("full", config(kind));
        final RingProducer producer = queue.producer();
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[1000]);
        while (producer.offer(1, payload, 0, payload.capacity()))
        {
            // Fill the ring: nobody consumes.
        }
        final CompletableFuture<Void> woke = CompletableFuture.runAsync(() ->
            assertThrows(QueueClosedException.class, () ->
            {
                while (true)
                {
                    producer.awaitSpace(1000, LONG_WAIT);
                }
            }));
        TimeUnit.MILLISECONDS.sleep(200);
        queue.close();
        woke.get(10, TimeUnit.SECONDS);
        assertTrue(queue.guard().isReleased());
    }

    @ParameterizedTest
    @ValueSource(strings = { "spsc", "mpsc" })
    void aClaimHeldAcrossACloseKeepsTheMemoryUntilItsCommitWhichThrows(final String kind) throws Exception
    {
        final ShmQueue queue = ShmQueue.create("claim", config(kind));
        final RingProducer producer = queue.producer();
        final SlotClaim claim = new SlotClaim();
        final CountDownLatch claimed = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final CompletableFuture<Void> writer = CompletableFuture.runAsync(() ->
        {
            assertTrue(producer.claim(1, 512, claim));
            claimed.countDown();
            await(closed);
            // Still mapped: the claim holds it. These writes would fault if the close had unmapped.
            for (int i = 0; i < 512; i += 8)
            {
                claim.buffer().putLong(claim.offset() + i, i);
            }
            assertThrows(QueueClosedException.class, claim::commit);
        });
        claimed.await();
        queue.close();
        assertFalse(queue.guard().isReleased(), kind + ": a claim held by another thread keeps the mapping");
        closed.countDown();
        writer.get(10, TimeUnit.SECONDS);
        assertTrue(queue.guard().isReleased(), kind + ": unmapped after the claim's commit");
        if ("spsc".equals(kind))
        {
            try (ShmQueue again = ShmQueue.open("claim", config(kind)))
            {
                again.producer().close();
            }
        }
    }

    @Test
    void aClaimOfTheClosingThreadItselfIsGivenUpAndItsRoleGoesBack()
    {
        final ShmQueue queue = ShmQueue.create("own-claim", config("spsc"));
        final RingProducer producer = queue.producer();
        final SlotClaim claim = new SlotClaim();
        assertTrue(producer.claim(1, 64, claim));
        queue.close();
        assertTrue(queue.guard().isReleased(), "nobody else holds the memory");
        assertThrows(QueueClosedException.class, claim::commit);
        try (ShmQueue again = ShmQueue.open("own-claim", config("spsc")))
        {
            final RingProducer successor = again.producer();
            assertTrue(successor.offer(1, new UnsafeBuffer(new byte[8]), 0, 8));
        }
    }

    @Test
    void aCloseFromAnotherThreadWhileAHandlerRunsUnmapsOnlyAfterItReturns() throws Exception
    {
        final ShmQueue queue = ShmQueue.create("handler", config("spsc"));
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertTrue(producer.offer(1, new UnsafeBuffer(new byte[64]), 0, 64));
        }
        final CountDownLatch inHandler = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicReference<Integer> read = new AtomicReference<>();
        final CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> read.set(consumer.read(
            (type, buffer, index, length) ->
            {
                inHandler.countDown();
                await(closed);
                // Reads the ring after the close: it must still be mapped.
                buffer.getLong(index + length - 8);
            }, 10)));
        inHandler.await();
        queue.close();
        assertFalse(queue.guard().isReleased(), "a running handler keeps the mapping");
        closed.countDown();
        reader.get(10, TimeUnit.SECONDS);
        assertEquals(1, read.get(), "the read stops after the message being handled");
        assertTrue(queue.guard().isReleased());
        try (ShmQueue again = ShmQueue.open("handler", config("spsc")))
        {
            final int[] left = { 0 };
            again.consumer().read((type, buffer, index, length) -> left[0]++, 10);
            assertEquals(3, left[0], "the message handled before the close is released, the rest stays");
        }
    }

    @Test
    void aClientChannelClosedFromAThirdThreadEndsItsSenderAndPollerAndTheServerSeesTheClose() throws Exception
    {
        final ChannelConfig config = ChannelConfig.of(QueueConfig.spsc(64 * 1024).withDirectory(shm.path()));
        try (ChannelListener listener = ChannelListener.listen("third", config))
        {
            final CompletableFuture<Channel> accepted =
                CompletableFuture.supplyAsync(() -> listener.accept(TimeUnit.SECONDS.toNanos(10)));
            final Channel client = Channel.connect("third", config, TimeUnit.SECONDS.toNanos(10));
            final Channel server = accepted.get(10, TimeUnit.SECONDS);
            final CompletableFuture<Throwable> sender = CompletableFuture.supplyAsync(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[256]);
                try
                {
                    while (true)
                    {
                        client.offer(1, payload, 0, payload.capacity());
                    }
                }
                catch (final RuntimeException ex)
                {
                    return ex;
                }
            });
            final CompletableFuture<Void> poller = CompletableFuture.runAsync(() ->
            {
                while (client.isConnected() || client.poll((type, buffer, index, length) -> { }, 10) > 0)
                {
                    client.awaitMessages(TimeUnit.MILLISECONDS.toNanos(50));
                }
            });
            final CompletableFuture<Void> drain = CompletableFuture.runAsync(() ->
            {
                while (server.isConnected())
                {
                    server.poll((type, buffer, index, length) -> { }, 256);
                }
            });
            TimeUnit.MILLISECONDS.sleep(100);
            client.close();
            assertInstanceOf(ChannelClosedException.class, sender.get(10, TimeUnit.SECONDS));
            poller.get(10, TimeUnit.SECONDS);
            drain.get(10, TimeUnit.SECONDS);
            assertFalse(server.isConnected(), "the server saw the client go: " + server.state());
            server.close();
        }
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        }
        catch (final InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
