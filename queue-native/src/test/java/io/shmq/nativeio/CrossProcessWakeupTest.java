package io.shmq.nativeio;

import io.shmq.ShmQueue;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import io.shmq.wait.Waiters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sleeping sides across processes: no lost wake-up over many thousands of sleep/wake rounds, on a tmpfs queue
 * and on a SysV segment, and an idle consumer that uses almost no CPU yet wakes for the next message.
 */
class CrossProcessWakeupTest
{
    private static final int ROUNDS = 20_000;
    private static final long SLEEP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** A round slower than this can only be a lost wake-up caught by the 10 s safety timeout. */
    private static final long LOST_WAKEUP_NANOS = TimeUnit.SECONDS.toNanos(2);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @RegisterExtension
    final SegmentNames names = new SegmentNames();

    @Test
    void futexWaiterIsFoundOnTheClassPath()
    {
        assertTrue(Waiters.platformDefault() instanceof FutexWaiter, Waiters.platformDefault().toString());
        System.out.println("waiter: " + Waiters.platformDefault());
    }

    @Test
    @Timeout(120)
    void pingPongOnTmpfsLosesNoWakeup()
    {
        final String ping = "ping";
        final String pong = "pong";
        try (ShmQueue out = ShmQueue.create(ping, WakeupChildProcess.CONFIG.withDirectory(shm.path()));
             ShmQueue in = ShmQueue.create(pong, WakeupChildProcess.CONFIG.withDirectory(shm.path())))
        {
            pingPong(out, in, shm.path().toString(), ping, pong);
        }
    }

    @Test
    @Timeout(120)
    void pingPongOnSysVSegmentsLosesNoWakeup()
    {
        final String ping = names.next("ping");
        final String pong = names.next("pong");
        try (ShmQueue out = SysVQueues.create(ping, WakeupChildProcess.CONFIG, SegmentPages.SMALL);
             ShmQueue in = SysVQueues.create(pong, WakeupChildProcess.CONFIG, SegmentPages.SMALL))
        {
            pingPong(out, in, "sysv", ping, pong);
        }
    }

    private static void pingPong(
        final ShmQueue pingQueue, final ShmQueue pongQueue, final String where, final String ping, final String pong)
    {
        try (ChildJvm echo = ChildJvm.start(WakeupChildProcess.class, "echo", where, ping, pong,
            Integer.toString(ROUNDS)))
        {
            echo.awaitOutput("READY", 30);
            final RingProducer out = pingQueue.producer();
            final RingConsumer in = pongQueue.consumer();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
            final long[] reply = new long[1];
            long sleeps = 0;
            long slowest = 0;
            final long start = System.nanoTime();
            for (long round = 0; round < ROUNDS; round++)
            {
                final long roundStart = System.nanoTime();
                payload.putLong(0, round);
                assertTrue(out.offer(1, payload, 0, 8));
                while (in.read((t, b, i, l) -> reply[0] = b.getLong(i), 1) == 0)
                {
                    sleeps++;
                    in.awaitMessages(SLEEP_NANOS);
                }
                assertEquals(round, reply[0]);
                slowest = Math.max(slowest, System.nanoTime() - roundStart);
                if (slowest > LOST_WAKEUP_NANOS)
                {
                    throw new AssertionError("round " + round + " took " + slowest / 1_000_000 + " ms: a lost " +
                        "wake-up (only the 10 s safety timeout ended the sleep)\n" + echo.output());
                }
            }
            final long elapsed = System.nanoTime() - start;
            final String output = echo.awaitSuccess(30);
            assertTrue(output.contains("ECHOED " + ROUNDS), output);
            final long echoSleeps = Long.parseLong(output.substring(output.indexOf("SLEPT ") + 6).trim());
            System.out.printf("%s ping-pong: %d rounds in %d ms (%.1f us/round), slowest %d us, " +
                "sleeps: here %d, echo %d%n", where.equals("sysv") ? "SysV" : "tmpfs", ROUNDS, elapsed / 1_000_000,
                elapsed / 1000.0 / ROUNDS, slowest / 1000, sleeps, echoSleeps);
            assertTrue(sleeps + echoSleeps > ROUNDS, "most rounds put a side to sleep: the futex path was tested");
        }
    }

    @Test
    @Timeout(120)
    void producerSleepingOnAFullRingIsWokenByTheConsumer()
    {
        final int messages = 5_000;
        try (ShmQueue queue = ShmQueue.create("full", WakeupChildProcess.CONFIG.withDirectory(shm.path()));
             ChildJvm slow = ChildJvm.start(WakeupChildProcess.class, "slow", shm.path().toString(), "full",
                 Integer.toString(messages)))
        {
            slow.awaitOutput("READY", 30);
            final RingProducer producer = queue.producer();
            final int length = 4000;
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[length]);
            long sleeps = 0;
            long slowest = 0;
            for (long i = 0; i < messages; i++)
            {
                payload.putLong(0, i);
                final long start = System.nanoTime();
                while (!producer.offer(1, payload, 0, length))
                {
                    sleeps++;
                    producer.awaitSpace(length, SLEEP_NANOS);
                }
                slowest = Math.max(slowest, System.nanoTime() - start);
                assertTrue(slowest < LOST_WAKEUP_NANOS, "message " + i + " waited " + slowest / 1_000_000 +
                    " ms for room: a lost wake-up");
            }
            assertTrue(slow.awaitSuccess(60).contains("READ " + messages));
            System.out.printf("full-ring producer: %d messages, slept %d times, longest wait %d us%n", messages,
                sleeps, slowest / 1000);
            assertTrue(sleeps > messages / 2, "the producer slept on the full ring: the futex path was tested");
        }
    }

    @Test
    @Timeout(60)
    void idleConsumerUsesAlmostNoCpuAndStillWakes() throws Exception
    {
        try (ShmQueue queue = ShmQueue.create("idle", WakeupChildProcess.CONFIG.withDirectory(shm.path()));
             ChildJvm child = ChildJvm.start(WakeupChildProcess.class, "idle", shm.path().toString(), "idle"))
        {
            child.awaitOutput("IDLE", 30);
            assertTrue(child.output().contains("FutexWaiter"), child.output());
            Thread.sleep(1000);
            final long ticksBefore = ProcessIdentity.cpuTicks(child.pid());
            final long start = System.nanoTime();
            Thread.sleep(2000);
            final long ticks = ProcessIdentity.cpuTicks(child.pid()) - ticksBefore;
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double share = ticks / 100.0 / seconds;
            System.out.printf("idle consumer: %d CPU ticks in %.2f s = %.2f%% of a core%n", ticks, seconds,
                share * 100);
            assertTrue(share < 0.05, "an idle consumer used " + share * 100 + "% of a core");

            final RingProducer producer = queue.producer();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
            payload.putLong(0, 4242);
            assertTrue(producer.offer(1, payload, 0, 8));
            child.awaitOutput("GOT 4242", 5);
        }
    }
}
