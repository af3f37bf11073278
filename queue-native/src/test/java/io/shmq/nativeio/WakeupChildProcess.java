package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.wait.DoorbellIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Child JVM for wake-up tests. Arguments: {@code role where name...}; {@code where} is {@code sysv} or a tmpfs
 * directory. Roles:
 * <ul>
 *   <li>{@code echo where ping pong rounds}: reads each message of {@code ping} and sends it back on
 *   {@code pong}, sleeping on the doorbell (no spinning) whenever {@code ping} is empty;</li>
 *   <li>{@code idle where name}: a consumer loop with {@link DoorbellIdleStrategy}, printing {@code GOT n} per
 *   message.</li>
 * </ul>
 */
public final class WakeupChildProcess
{
    static final QueueConfig CONFIG = QueueConfig.spsc(64 * 1024);
    private static final long SLEEP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private WakeupChildProcess()
    {
    }

    static ShmQueue open(final String where, final String name)
    {
        return "sysv".equals(where) ? SysVQueues.open(name, CONFIG) :
            ShmQueue.open(name, CONFIG.withDirectory(Path.of(where)));
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        if ("echo".equals(args[0]))
        {
            echo(args[1], args[2], args[3], Long.parseLong(args[4]));
        }
        else if ("slow".equals(args[0]))
        {
            slow(args[1], args[2], Long.parseLong(args[3]));
        }
        else
        {
            idle(args[1], args[2]);
        }
    }

    private static void echo(final String where, final String pingName, final String pongName, final long rounds)
    {
        try (ShmQueue ping = open(where, pingName); ShmQueue pong = open(where, pongName))
        {
            final RingConsumer in = ping.consumer();
            final RingProducer out = pong.producer();
            final UnsafeBuffer reply = new UnsafeBuffer(new byte[8]);
            final long[] received = new long[1];
            long sleeps = 0;
            System.out.println("READY");
            while (received[0] < rounds)
            {
                final int read = in.read((t, b, i, l) ->
                {
                    reply.putLong(0, b.getLong(i));
                    received[0]++;
                }, 1);
                if (read == 0)
                {
                    sleeps++;
                    in.awaitMessages(SLEEP_NANOS);
                }
                else
                {
                    while (!out.offer(1, reply, 0, 8))
                    {
                        Thread.onSpinWait();
                    }
                }
            }
            System.out.println("ECHOED " + received[0] + " SLEPT " + sleeps);
        }
    }

    /**
     * Reads {@code count} sequence-numbered messages, pausing between reads so the producer keeps finding the
     * ring full; prints {@code READ n} when done.
     */
    private static void slow(final String where, final String name, final long count)
    {
        try (ShmQueue queue = open(where, name))
        {
            final RingConsumer consumer = queue.consumer();
            final long[] next = new long[1];
            System.out.println("READY");
            while (next[0] < count)
            {
                if (consumer.read((t, b, i, l) ->
                {
                    if (b.getLong(i) != next[0])
                    {
                        throw new IllegalStateException("expected " + next[0] + ", got " + b.getLong(i));
                    }
                    next[0]++;
                }, 1) == 0)
                {
                    consumer.awaitMessages(SLEEP_NANOS);
                }
                LockSupport.parkNanos(20_000);
            }
            System.out.println("READ " + next[0]);
        }
    }

    private static void idle(final String where, final String name)
    {
        try (ShmQueue queue = open(where, name))
        {
            final RingConsumer consumer = queue.consumer();
            final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(consumer);
            final long[] got = new long[1];
            System.out.println("IDLE " + queue.waiter());
            while (got[0] < 1_000_000)
            {
                idle.idle(consumer.read((t, b, i, l) ->
                {
                    got[0]++;
                    System.out.println("GOT " + b.getLong(i));
                }, 16));
            }
        }
    }
}
