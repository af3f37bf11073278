package io.shmq.wait;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The doorbell protocol in one process: a ring costs no wake-up when nobody sleeps, wakes when someone does, and
 * sleepers return when their condition holds.
 */
class DoorbellTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    /** Records wake-ups; sleeps by parking briefly. */
    static final class CountingWaiter implements Waiter
    {
        final AtomicInteger wakes = new AtomicInteger();

        public boolean wakesAcrossProcesses()
        {
            return false;
        }

        public boolean wakerNeedsFence()
        {
            return true;
        }

        public void barrierBeforeRecheck()
        {
        }

        public void await(final AtomicBuffer buffer, final int offset, final int expected, final long timeoutNanos)
        {
            ParkingWaiter.INSTANCE.await(buffer, offset, expected, timeoutNanos);
        }

        public void wakeAll(final AtomicBuffer buffer, final int offset)
        {
            wakes.incrementAndGet();
        }
    }

    @Test
    void ringWakesOnlyWhenSomeoneSleepsAndMovesTheWord()
    {
        final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final CountingWaiter waiter = new CountingWaiter();
        final Doorbell doorbell = new Doorbell(header, 0, 4, waiter);

        doorbell.ring();
        assertEquals(0, waiter.wakes.get(), "no sleeper, no wake-up");
        assertEquals(0, header.getInt(4));

        header.putInt(0, 1);
        doorbell.ring();
        assertEquals(1, waiter.wakes.get());
        assertEquals(1, header.getInt(4), "the word moves so a sleeper about to sleep does not");

        doorbell.resetWaiters();
        doorbell.ring();
        assertEquals(1, waiter.wakes.get());
    }

    @Test
    void awaitReturnsAtOnceWhenTheConditionAlreadyHoldsAndLeavesNoWaiterBehind()
    {
        final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final Doorbell doorbell = new Doorbell(header, 0, 4, ParkingWaiter.INSTANCE);
        final long start = System.nanoTime();
        assertTrue(doorbell.await(() -> true, TimeUnit.SECONDS.toNanos(10)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
        assertEquals(0, header.getInt(0), "waiter count back to zero");
        assertFalse(doorbell.await(() -> false, TimeUnit.MICROSECONDS.toNanos(100)));
        assertEquals(0, header.getInt(0), "waiter count back to zero after a timeout");
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    @Timeout(30)
    void sleepingConsumerSeesMessagesFromAnotherThread(final RingKind kind) throws Exception
    {
        final CountingWaiter waiter = new CountingWaiter();
        final QueueConfig config = QueueConfig.of(kind, 64 * 1024).withDirectory(shm.path()).withWaiter(waiter);
        try (ShmQueue queue = ShmQueue.create("bell", config))
        {
            assertSame(waiter, queue.waiter());
            final RingConsumer consumer = queue.consumer();
            final RingProducer producer = queue.producer();
            assertFalse(consumer.awaitMessages(TimeUnit.MILLISECONDS.toNanos(2)), "empty ring: times out");

            final int messages = 2000;
            final Thread sender = new Thread(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
                for (int i = 0; i < messages; i++)
                {
                    payload.putLong(0, i);
                    while (!producer.offer(1, payload, 0, 8))
                    {
                        producer.awaitSpace(8, TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    if ((i & 63) == 0)
                    {
                        Thread.yield();
                    }
                }
            });
            sender.start();
            final long[] next = new long[1];
            final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(consumer, 10, 1, TimeUnit.MILLISECONDS.toNanos(5));
            while (next[0] < messages)
            {
                idle.idle(consumer.read((t, b, i, l) -> assertEquals(next[0]++, b.getLong(i)), 16));
            }
            sender.join();
            assertEquals(0, queue.region().buffer().getInt(QueueHeaderDescriptor.CONSUMER_WAITERS_OFFSET));
        }
    }

    @Test
    @Timeout(30)
    void fullRingProducerSleepsUntilTheConsumerMakesRoom() throws Exception
    {
        final QueueConfig config = QueueConfig.spsc(1024).withDirectory(shm.path());
        try (ShmQueue queue = ShmQueue.create("full", config))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[56]);
            while (producer.offer(1, payload, 0, 56))
            {
                // fill
            }
            assertFalse(producer.awaitSpace(56, TimeUnit.MILLISECONDS.toNanos(2)), "still full");
            final Thread reader = new Thread(() ->
            {
                sleep(50);
                consumer.read((t, b, i, l) -> { }, 1);
            });
            reader.start();
            final long start = System.nanoTime();
            int sleeps = 0;
            while (!producer.awaitSpace(56, TimeUnit.SECONDS.toNanos(10)))
            {
                sleeps++;
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "room never came");
            }
            assertTrue(sleeps > 0, "the producer slept before the consumer made room");
            assertTrue(producer.offer(1, payload, 0, 56));
            reader.join();
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
