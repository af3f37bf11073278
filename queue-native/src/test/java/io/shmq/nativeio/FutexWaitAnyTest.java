package io.shmq.nativeio;

import io.shmq.wait.WaitList;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FutexWaiter#awaitAny}: one sleep on several words ends when any of them is woken, and lasts its timeout
 * when none is.
 */
class FutexWaitAnyTest
{
    private final FutexWaiter waiter = new FutexWaiter();
    private final UnsafeBuffer words = new UnsafeBuffer(ByteBuffer.allocateDirect(256));

    @Test
    void aWakeOfAnyWordEndsTheSleep() throws Exception
    {
        for (int woken = 0; woken < 3; woken++)
        {
            final int offset = woken * 64;
            final WaitList list = new WaitList(4);
            for (int i = 0; i < 3; i++)
            {
                list.add(words, i * 64, words.getIntVolatile(i * 64));
            }
            final Thread waker = new Thread(() ->
            {
                sleepMillis(50);
                words.getAndAddInt(offset, 1);
                waiter.wakeAll(words, offset);
            });
            final long start = System.nanoTime();
            waker.start();
            waiter.awaitAny(list, TimeUnit.SECONDS.toNanos(5));
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            waker.join();
            assertTrue(millis >= 40 && millis < 2_000, "woken by word " + woken + " after " + millis + " ms");
        }
    }

    @Test
    void sleepsUntilTheTimeoutWhenNothingMoves()
    {
        final WaitList list = new WaitList(4);
        list.add(words, 0, words.getIntVolatile(0));
        list.add(words, 64, words.getIntVolatile(64));
        final long start = System.nanoTime();
        waiter.awaitAny(list, TimeUnit.MILLISECONDS.toNanos(200));
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 190 && millis < 2_000, "slept " + millis + " ms");
    }

    @Test
    void returnsAtOnceWhenAWordAlreadyMoved()
    {
        final WaitList list = new WaitList(4);
        list.add(words, 0, words.getIntVolatile(0));
        list.add(words, 64, words.getIntVolatile(64) - 1);
        final long start = System.nanoTime();
        waiter.awaitAny(list, TimeUnit.SECONDS.toNanos(5));
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 100, "returned after " + millis + " ms");
    }

    private static void sleepMillis(final long millis)
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
