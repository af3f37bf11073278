package io.shmq.bench;

import io.shmq.bench.harness.JavaCommand;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.nativeio.HugePageStatus;
import io.shmq.nativeio.SegmentPages;
import io.shmq.nativeio.SysVQueues;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.wait.DoorbellIdleStrategy;
import io.shmq.wait.ParkingWaiter;
import io.shmq.wait.Waiters;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Three numbers of queue-native, each across two JVMs on this host:
 * <ol>
 *   <li>wake-up latency: from a producer's commit to a consumer that was asleep on the doorbell running, with the
 *   futex waiter and, for contrast, with core's parking waiter;</li>
 *   <li>CPU used by an idle consumer ({@link DoorbellIdleStrategy}) over 10 s;</li>
 *   <li>SPSC throughput in a 2 MiB huge-page SysV segment against the same ring in a tmpfs file, interleaved.</li>
 * </ol>
 * Run: {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED
 * -cp queue-bench/target/benchmarks.jar io.shmq.bench.WakeupReport [--quick]}. As root it reserves the huge pages
 * it needs and gives them back.
 */
public final class WakeupReport
{
    private static final int CAPACITY = 4 << 20;
    private static final QueueConfig CONFIG = QueueConfig.spsc(CAPACITY).withMaxMessageLength(4096);
    private static final long HUGE_PAGE = 2L << 20;

    private WakeupReport()
    {
    }

    /**
     * Runs the report, or one child role.
     *
     * @param args {@code [--quick]}, or {@code --child ROLE ...} for the child JVMs.
     * @throws Exception when a child cannot be run.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && "--child".equals(args[0]))
        {
            child(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        final boolean quick = args.length > 0 && "--quick".equals(args[0]);
        final String prefix = "wakeup-report-" + ProcessHandle.current().pid();
        System.out.printf("# shmq queue-native report (%s, %d cores, Java %s, waiter %s)%n%n",
            Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            Waiters.platformDefault());

        final int samples = quick ? 1000 : 5000;
        System.out.println("| wake-up latency, commit to sleeping consumer running | p50 | p90 | p99 | max |");
        System.out.println("|---|---|---|---|---|");
        System.out.println(wakeup(prefix + "-f", "futex", samples));
        System.out.println(wakeup(prefix + "-p", "parking", samples));

        final int idleSeconds = quick ? 2 : 10;
        System.out.printf("%n| idle consumer (DoorbellIdleStrategy) over %d s | CPU |%n|---|---|%n", idleSeconds);
        System.out.println(idle(prefix + "-i", idleSeconds));

        final long messages = quick ? 2_000_000 : 10_000_000;
        final int rounds = quick ? 1 : 3;
        System.out.printf("%n| SPSC throughput, median of %d interleaved runs | tmpfs file | 2 MiB huge-page segment " +
            "| huge / tmpfs |%n|---|---|---|---|%n", rounds);
        for (final int size : new int[]{ 32, 1024 })
        {
            System.out.println(throughput(prefix + "-t", size, size == 32 ? messages : messages / 4, rounds));
        }
    }

    private static String wakeup(final String name, final String waiter, final int samples) throws Exception
    {
        final QueueConfig config = "parking".equals(waiter) ? CONFIG.withWaiter(ParkingWaiter.INSTANCE) : CONFIG;
        try (ShmQueue queue = ShmQueue.create(name, config))
        {
            final Process child = startChild("wakeup", name, waiter, Integer.toString(samples));
            try
            {
                awaitConsumer(queue, child);
                final RingProducer producer = queue.producer();
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
                for (int i = 0; i < samples; i++)
                {
                    // Send only once the consumer announced itself asleep: every sample is a real wake-up.
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (queue.region().buffer().getIntVolatile(QueueHeaderDescriptor.CONSUMER_WAITERS_OFFSET) == 0 &&
                        System.nanoTime() < deadline)
                    {
                        Thread.sleep(0, 200_000);
                    }
                    Thread.sleep(0, 200_000);
                    payload.putLong(0, i);
                    payload.putLong(8, System.nanoTime());
                    while (!producer.offer(1, payload, 0, 16))
                    {
                        Thread.onSpinWait();
                    }
                }
                return "| " + waiter + " waiter | " + lastLine(child) + " |";
            }
            finally
            {
                child.destroyForcibly();
                ShmQueue.delete(name);
            }
        }
    }

    private static String idle(final String name, final int seconds) throws Exception
    {
        try (ShmQueue ignored = ShmQueue.create(name, CONFIG))
        {
            final Process child = startChild("idle", name);
            try
            {
                awaitConsumer(ignored, child);
                Thread.sleep(1000);
                final long before = ProcessIdentity.cpuTicks(child.pid());
                final long start = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                final long ticks = ProcessIdentity.cpuTicks(child.pid()) - before;
                final double elapsed = (System.nanoTime() - start) / 1e9;
                return String.format("| futex waiter, 100 spins + 10 yields, then sleep | %.2f%% of a core " +
                    "(%d ticks of 10 ms in %.1f s) |", ticks / 100.0 / elapsed * 100, ticks, elapsed);
            }
            finally
            {
                child.destroyForcibly().waitFor();
                ShmQueue.delete(name);
            }
        }
    }

    private static String throughput(final String name, final int size, final long messages, final int rounds)
        throws Exception
    {
        final long pagesNeeded = SegmentPages.HUGE_2MB.roundUp(QueueHeaderDescriptor.HEADER_LENGTH + CAPACITY) /
            HUGE_PAGE;
        final long added = HugePageStatus.reserve(HUGE_PAGE, pagesNeeded);
        try
        {
            final List<Double> tmpfs = new ArrayList<>();
            final List<Double> huge = new ArrayList<>();
            for (int round = 0; round < rounds; round++)
            {
                tmpfs.add(throughputRun(name + "-f", false, size, messages));
                huge.add(throughputRun(name + "-h", true, size, messages));
            }
            final double t = median(tmpfs);
            final double h = median(huge);
            return String.format("| %d B | %.1f M msgs/s %s | %.1f M msgs/s %s | %.2f |", size, t / 1e6,
                spread(tmpfs), h / 1e6, spread(huge), h / t);
        }
        finally
        {
            HugePageStatus.release(HUGE_PAGE, added);
        }
    }

    private static double throughputRun(final String name, final boolean huge, final int size, final long messages)
        throws Exception
    {
        try (ShmQueue queue = huge ? SysVQueues.create(name, CONFIG, SegmentPages.HUGE_2MB) :
            ShmQueue.create(name, CONFIG))
        {
            final Process child = startChild("consume", name, huge ? "sysv" : "tmpfs", Long.toString(messages));
            try
            {
                awaitConsumer(queue, child);
                final RingProducer producer = queue.producer();
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[size]);
                for (long i = 0; i < messages; i++)
                {
                    payload.putLong(0, i);
                    while (!producer.offer(1, payload, 0, size))
                    {
                        Thread.onSpinWait();
                    }
                }
                return Double.parseDouble(lastLine(child));
            }
            finally
            {
                child.destroyForcibly();
                if (huge)
                {
                    SysVQueues.delete(name);
                }
                else
                {
                    ShmQueue.delete(name);
                }
            }
        }
    }

    private static void child(final String[] args)
    {
        final String role = args[0];
        final String name = args[1];
        if ("wakeup".equals(role))
        {
            final QueueConfig config = "parking".equals(args[2]) ? CONFIG.withWaiter(ParkingWaiter.INSTANCE) : CONFIG;
            final int samples = Integer.parseInt(args[3]);
            try (ShmQueue queue = ShmQueue.open(name, config))
            {
                final RingConsumer consumer = queue.consumer();
                final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                final int[] seen = new int[1];
                while (seen[0] < samples)
                {
                    if (consumer.read((t, b, i, l) ->
                    {
                        histogram.recordValue(Math.max(0, System.nanoTime() - b.getLong(i + 8)));
                        seen[0]++;
                    }, 1) == 0)
                    {
                        consumer.awaitMessages(TimeUnit.SECONDS.toNanos(1));
                    }
                }
                System.out.printf("%.1f us | %.1f us | %.1f us | %.1f us%n",
                    histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(90) / 1e3,
                    histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3);
            }
        }
        else if ("idle".equals(role))
        {
            try (ShmQueue queue = ShmQueue.open(name, CONFIG))
            {
                final RingConsumer consumer = queue.consumer();
                final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(consumer);
                while (true)
                {
                    idle.idle(consumer.read((t, b, i, l) -> { }, 16));
                }
            }
        }
        else
        {
            final long messages = Long.parseLong(args[3]);
            try (ShmQueue queue = "sysv".equals(args[2]) ? SysVQueues.open(name, CONFIG) : ShmQueue.open(name, CONFIG))
            {
                final RingConsumer consumer = queue.consumer();
                final long[] state = new long[2];
                long start = 0;
                while (state[0] < messages)
                {
                    if (consumer.read((t, b, i, l) ->
                    {
                        if (b.getLong(i) != state[0])
                        {
                            state[1]++;
                        }
                        state[0]++;
                    }, 4096) > 0 && start == 0)
                    {
                        start = System.nanoTime();
                    }
                }
                if (state[1] != 0)
                {
                    throw new IllegalStateException(state[1] + " messages out of sequence");
                }
                System.out.println(messages / ((System.nanoTime() - start) / 1e9));
            }
        }
    }

    private static Process startChild(final String... args) throws IOException
    {
        final List<String> childArgs = new ArrayList<>(List.of("--child"));
        childArgs.addAll(List.of(args));
        return new ProcessBuilder(JavaCommand.of(List.of(), WakeupReport.class,
            childArgs.toArray(new String[0]))).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void awaitConsumer(final ShmQueue queue, final Process child) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (queue.header().consumerOwnerToken() == 0)
        {
            if (!child.isAlive() || System.nanoTime() > deadline)
            {
                throw new IllegalStateException("consumer JVM did not attach");
            }
            Thread.sleep(1);
        }
    }

    private static String lastLine(final Process child) throws Exception
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream())))
        {
            String line;
            String last = null;
            while ((line = reader.readLine()) != null)
            {
                last = line;
            }
            if (!child.waitFor(60, TimeUnit.SECONDS) || child.exitValue() != 0 || last == null)
            {
                throw new IllegalStateException("child failed");
            }
            return last.trim();
        }
    }

    private static double median(final List<Double> values)
    {
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static String spread(final List<Double> values)
    {
        if (values.size() < 2)
        {
            return "";
        }
        final double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        final double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format("(%.1f-%.1f)", min / 1e6, max / 1e6);
    }
}
