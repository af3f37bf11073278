package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.QueueClosedException;
import io.shmq.platform.ThreadBarriers;
import io.shmq.region.MappingGuard;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.wait.Waiters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With queue-native, a close from another thread wakes a side asleep on the futex at once (not at the end of its
 * timeout), closes pay a {@code membarrier} rather than a safepoint, and a SysV queue detached by a close while
 * threads offer and read never faults ({@code -Dshmq.native.closeRaces=N} races, default 200).
 */
class CloseWakesSleepersTest
{
    @RegisterExtension
    final SegmentNames names = new SegmentNames();

    @Test
    void closesUseMembarrierAndTheFutexWaiter()
    {
        assertInstanceOf(MembarrierThreadBarrier.class, ThreadBarriers.platformDefault());
        assertInstanceOf(FutexWaiter.class, Waiters.platformDefault());
    }

    @Test
    void aConsumerAsleepOnTheFutexWakesWithinMillisecondsOfACloseFromAnotherThread() throws Exception
    {
        final String name = names.next("sleeper");
        final ShmQueue queue = SysVQueues.create(name, QueueConfig.spsc(64 * 1024), SegmentPages.SMALL);
        final RingConsumer consumer = queue.consumer();
        final CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() ->
        {
            assertThrows(QueueClosedException.class, () -> consumer.awaitMessages(TimeUnit.SECONDS.toNanos(20)));
            return System.nanoTime();
        });
        TimeUnit.MILLISECONDS.sleep(300);
        final long closedAt = System.nanoTime();
        queue.close();
        final long afterMillis = TimeUnit.NANOSECONDS.toMillis(woke.get(10, TimeUnit.SECONDS) - closedAt);
        assertTrue(afterMillis < 500, "one futex sleep of 20 s ended " + afterMillis + " ms after the close");
        SysVQueues.delete(name);
    }

    @Test
    void aSysVQueueClosedWhileThreadsOfferAndReadNeverFaults() throws Exception
    {
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();
        final int races = Integer.getInteger("shmq.native.closeRaces", 200);
        final long insideBefore = MappingGuard.closesWhileInside();
        int race = 0;
        for (; race < races && unexpected.get() == null; race++)
        {
            final String name = names.next("race");
            final ShmQueue queue = SysVQueues.create(name, QueueConfig.spsc(64 * 1024), SegmentPages.SMALL);
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer();
            final List<Thread> threads = new ArrayList<>();
            final int offered = 1 + race % 2000;
            threads.add(start(() ->
            {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[2000]);
                while (true)
                {
                    producer.offer(1, payload, 0, offered);
                }
            }, unexpected));
            threads.add(start(() ->
            {
                final long[] sum = { 0 };
                while (true)
                {
                    if (consumer.read((type, buffer, index, length) -> sum[0] += buffer.getByte(index + length - 1),
                        256) == 0)
                    {
                        consumer.awaitMessages(TimeUnit.MICROSECONDS.toNanos(200));
                    }
                }
            }, unexpected));
            TimeUnit.MICROSECONDS.sleep(race * 10L % 2000);
            queue.close();
            for (final Thread thread : threads)
            {
                thread.join(10_000);
                assertTrue(!thread.isAlive(), "a thread did not end after the close");
            }
            SysVQueues.delete(name);
        }
        assertNull(unexpected.get(), () -> "a racing call failed otherwise than closed: " + unexpected.get());
        final long inside = MappingGuard.closesWhileInside() - insideBefore;
        System.out.println("SysV close races=" + race + " inside=" + inside);
        assertTrue(inside > 0, "no close landed while a thread was inside an access: the race proves nothing");
    }

    private static Thread start(final Runnable body, final AtomicReference<Throwable> unexpected)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                body.run();
            }
            catch (final QueueClosedException closed)
            {
                // What a call racing the close may get.
            }
            catch (final Throwable ex)
            {
                unexpected.compareAndSet(null, ex);
            }
        });
        thread.start();
        return thread;
    }
}
