package io.shmq.bench.harness;

import io.shmq.wait.Waiter;
import io.shmq.wait.Waiters;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor under every wake-up between two processes on this host: a second JVM sleeps in the platform's
 * {@link Waiter} (the futex with queue-native) on a word of a tmpfs file, and this one moves the word, wakes it,
 * and spins until the sleeper has written its {@link System#nanoTime()}. No ring, no event loop: what is left is
 * the kernel's and the hypervisor's share, which no transport can undercut.
 *
 * <pre>
 *   0              64              128            192
 *   +--------------+---------------+--------------+--------------+
 *   | word (int)   | stamp (long)  | stop (int)   | ready (int)  |
 *   +--------------+---------------+--------------+--------------+
 *   each on its own cache line
 * </pre>
 */
public final class FutexWakeFloor
{
    private static final int WORD = 0;
    private static final int STAMP = 64;
    private static final int STOP = 128;
    private static final int READY = 192;
    private static final int LENGTH = 4096;

    private FutexWakeFloor()
    {
    }

    /**
     * Measures {@code samples} wake-ups, each after {@code pauseMillis} of sleep, after a quarter as many unmeasured.
     *
     * @param samples     wake-ups to measure.
     * @param pauseMillis how long the sleeper sleeps before each.
     * @param sleeperCpu  the CPU to pin the sleeping JVM to, or -1 to leave it to the scheduler.
     * @return p50 and p99, in ns, from the wake call to the sleeper's time stamp.
     * @throws Exception when the sleeper cannot be started or stops answering.
     */
    public static long[] measure(final int samples, final long pauseMillis, final int sleeperCpu) throws Exception
    {
        final Path file = Path.of("/dev/shm", "shmq-futex-floor-" + ProcessHandle.current().pid());
        Process sleeper = null;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final UnsafeBuffer shared = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH));
            final Waiter waiter = Waiters.platformDefault();
            final List<String> command = JavaCommand.of(List.of(), FutexWakeFloor.class, file.toString());
            sleeper = new ProcessBuilder(sleeperCpu < 0 ? command : CorePinning.onCpu(sleeperCpu, command))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final long waitedSince = System.nanoTime();
            while (shared.getIntVolatile(READY) == 0)
            {
                checkAlive(sleeper, waitedSince);
                Thread.sleep(1);
            }
            final long[] nanos = new long[samples];
            for (int i = -samples / 4; i < samples; i++)
            {
                Thread.sleep(pauseMillis);
                shared.putLongVolatile(STAMP, 0);
                final long start = System.nanoTime();
                shared.getAndAddInt(WORD, 1);
                waiter.wakeAll(shared, WORD);
                final long stamp = awaitStamp(shared, sleeper, start);
                if (i >= 0)
                {
                    nanos[i] = stamp - start;
                }
            }
            shared.putIntVolatile(STOP, 1);
            shared.getAndAddInt(WORD, 1);
            waiter.wakeAll(shared, WORD);
            Arrays.sort(nanos);
            return new long[]{ nanos[samples / 2], nanos[(int)(samples * 0.99)] };
        }
        finally
        {
            if (sleeper != null && !sleeper.waitFor(5, TimeUnit.SECONDS))
            {
                sleeper.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(file);
        }
    }

    private static long awaitStamp(final UnsafeBuffer shared, final Process sleeper, final long start)
    {
        long stamp;
        while ((stamp = shared.getLongVolatile(STAMP)) == 0)
        {
            checkAlive(sleeper, start);
            Thread.onSpinWait();
        }
        return stamp;
    }

    private static void checkAlive(final Process sleeper, final long since)
    {
        if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(10))
        {
            throw new IllegalStateException(sleeper.isAlive() ? "the futex sleeper stopped answering" :
                "the futex sleeper exited with " + sleeper.exitValue());
        }
    }

    /**
     * The sleeping side: waits on the word, stamps each wake-up, until told to stop.
     *
     * @param args the shared file.
     * @throws IOException when the file cannot be mapped.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length != 1)
        {
            System.err.println("usage: FutexWakeFloor FILE (started by FutexWakeFloor.measure)");
            System.exit(64);
        }
        try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final UnsafeBuffer shared = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH));
            final Waiter waiter = Waiters.platformDefault();
            shared.putIntVolatile(READY, 1);
            while (shared.getIntVolatile(STOP) == 0)
            {
                final int seen = shared.getIntVolatile(WORD);
                waiter.await(shared, WORD, seen, TimeUnit.SECONDS.toNanos(1));
                if (shared.getIntVolatile(WORD) != seen)
                {
                    shared.putLongVolatile(STAMP, System.nanoTime());
                }
            }
        }
    }
}
