package io.shmq.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.bench.harness.CorePinning;
import io.shmq.bench.harness.JavaCommand;
import io.shmq.bench.harness.ReportOptions;
import io.shmq.bridge.BridgeConfig;
import io.shmq.bridge.QueueBridge;
import org.agrona.concurrent.MessageHandler;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A queue bridged over Aeron UDP beside raw Aeron UDP, between the same two JVMs on the loopback: throughput of
 * 32 B and 1 KiB messages (a producer on host A's queue to a consumer of host B's queue, against an Aeron
 * publication to a subscription) and round trips of 32 B to 16 KiB (a message there and back through two duplex
 * bridges, against an Aeron publication each way; 4 and 16 KiB span three and twelve datagrams). Each JVM runs
 * an embedded media driver; raw Aeron's in shared mode (one driver thread), the bridge's on the bridge's own
 * thread, so each side has the same number of threads: the application's and one more. Throughput runs idle by backing off (spin, yield, park up to 1 ms), round trips by yielding, the
 * same for both. Interleaved rounds; the machine's phase is probed before each run and medians are kept per phase.
 *
 * <p>Run: {@code ./run-bench.sh --bridge [--quick] [--pinned]} (pinned: host A's JVM on CPU 0, host B's on 1).
 */
public final class BridgeReport
{
    private static final int[] SIZES = { 32, 1024, 4096, 16384 };
    /** Throughput is measured for the small sizes only; round trips for every size (long ones span datagrams). */
    private static final int LARGEST_THROUGHPUT_SIZE = 1024;
    private static final int STREAM_ID = 1001;
    private static final int RING_CAPACITY = 8 << 20;
    private static final String READY = "READY";
    private static final String RESULT = "RESULT ";

    private final boolean quick;
    private final boolean pinned;
    private final int rounds;
    /** Per "round mode size": the phase and the run's values (msgs/s; or p50 and p99 round trips in ns). */
    private final Map<String, Run> results = new LinkedHashMap<>();

    private BridgeReport(final boolean quick, final boolean pinned)
    {
        this.quick = quick;
        this.pinned = pinned;
        // Eight: a round trip here moves by several microseconds between runs with where the scheduler puts four
        // threads on two vCPUs, as much as the difference being measured; five rounds left medians of three pairs.
        this.rounds = quick ? 1 : 8;
    }

    /**
     * Runs the report, or (with {@code --child}) one side of one run.
     *
     * @param args {@code [--quick] [--pinned]}, or {@code --child MODE SIZE COUNT PORT DIRECTORY}.
     * @throws Exception when a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length == 6 && "--child".equals(args[0]))
        {
            child(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Path.of(args[5]));
            System.exit(0);
        }
        // The same two options as the Netty and gRPC reports; here "pinned" puts host A's JVM on CPU 0, B's on 1.
        final ReportOptions options = ReportOptions.parse("BridgeReport", args);
        new BridgeReport(options.quick(), options.pinned()).run();
    }

    private void run() throws Exception
    {
        System.out.printf("# A bridged queue beside raw Aeron UDP (%s, %d cores, Java %s, %s)%n%n",
            Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            pinned ? "host A's JVM on CPU 0, host B's on CPU 1" : "not pinned");
        final String[] systems = { "raw", "bridge" };
        for (int round = 0; round < rounds; round++)
        {
            for (final int size : SIZES)
            {
                for (final String system : systems)
                {
                    if (size > LARGEST_THROUGHPUT_SIZE)
                    {
                        break;
                    }
                    final int count = quick ? (size < 1024 ? 3_000_000 : 200_000) : (size < 1024 ? 10_000_000 :
                        500_000);
                    measure(round, system + "-throughput", size, count);
                }
                for (final String system : systems)
                {
                    // About as many seconds per run at every size: a 16 KiB round trip takes five times a 1 KiB one.
                    final int count = (quick ? 20_000 : 100_000) / (size > 4096 ? 4 : 1);
                    measure(round, system + "-rtt", size, count);
                }
            }
            Collections.reverse(Arrays.asList(systems));
        }
        print();
    }

    private void measure(final int round, final String mode, final int size, final int count) throws Exception
    {
        final String phase = CorePinning.probePhase(-1);
        final int port = freePorts();
        final Path base = Files.createTempDirectory(Path.of("/dev/shm"), "shmq-bridge-bench-");
        final List<Process> children = new ArrayList<>();
        try
        {
            // B (the sink, the pong) first: A's publications connect to it.
            final Process b = start(mode.replace("throughput", "sink").replace("rtt", "pong"), size, count, port,
                base.resolve("b"), 1);
            children.add(b);
            final BufferedReader bOut = reader(b);
            awaitLine(bOut, READY, b);
            final Process a = start(mode.replace("throughput", "source").replace("rtt", "ping"), size, count, port,
                base.resolve("a"), 0);
            children.add(a);
            final BufferedReader aOut = reader(a);
            final String result = awaitLine(mode.endsWith("throughput") ? bOut : aOut, RESULT, a);
            final double[] values = Arrays.stream(result.substring(RESULT.length()).trim().split(" "))
                .mapToDouble(Double::parseDouble).toArray();
            results.put(round + " " + mode + " " + size, new Run(phase, values));
            System.out.printf("round %d %-17s %5d B %s: %s%n", round + 1, mode, size, phase,
                mode.endsWith("throughput") ? String.format("%,.0f msgs/s", values[0]) :
                String.format("p50 %.1f us, p99 %.1f us", values[0] / 1e3, values[1] / 1e3));
            for (final Process child : children)
            {
                if (!child.waitFor(30, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException(mode + " child did not finish");
                }
            }
        }
        finally
        {
            for (final Process child : children)
            {
                child.destroyForcibly().waitFor();
            }
            deleteTree(base);
        }
    }

    private Process start(final String mode, final int size, final int count, final int port, final Path directory,
        final int cpu) throws IOException
    {
        Files.createDirectories(directory);
        final List<String> command = JavaCommand.of(List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"),
            BridgeReport.class, "--child", mode, Integer.toString(size), Integer.toString(count),
            Integer.toString(port), directory.toString());
        return new ProcessBuilder(pinned ? CorePinning.onCpu(cpu, command) : command)
            .redirectErrorStream(true).start();
    }

    private static BufferedReader reader(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String awaitLine(final BufferedReader out, final String prefix, final Process other)
        throws IOException
    {
        String line;
        final StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null)
        {
            if (line.startsWith(prefix))
            {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("a child ended before '" + prefix + "':\n" + seen);
    }

    /** Two consecutive free UDP ports; the first is returned. */
    private static int freePorts() throws IOException
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            // Below the kernel's ephemeral ports (from 32768 by default), which Aeron's send sockets take.
            final int first = 10_000 + (int)(Math.random() * 20_000);
            boolean free = true;
            for (int port = first; port < first + 2 && free; port++)
            {
                try (DatagramSocket socket = new DatagramSocket(port))
                {
                    free = socket.getLocalPort() == port;
                }
                catch (final IOException ex)
                {
                    free = false;
                }
            }
            if (free)
            {
                return first;
            }
        }
        throw new IOException("no two consecutive free UDP ports");
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }

    private void print()
    {
        System.out.println();
        System.out.println("| size | what | phase | raw Aeron UDP | bridged | bridged vs raw | pairs |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (final int size : SIZES)
        {
            for (final String phase : new String[]{ "fast", "slow" })
            {
                row(size, phase, "throughput", "throughput", "msgs/s", 0, 1, (raw, bridged) -> bridged / raw,
                    "%.2f x");
                row(size, phase, "rtt", "round trip p50", "us", 0, 1e3, (raw, bridged) -> bridged - raw, "%+.1f us");
                row(size, phase, "rtt", "round trip p99", "us", 1, 1e3, (raw, bridged) -> bridged - raw, "%+.1f us");
            }
        }
        System.out.println("\n(a pair: raw and bridged runs of one round made in the same phase; each cell the median" +
            " over the pairs)");
    }

    private void row(final int size, final String phase, final String what, final String label, final String unit,
        final int index,
        final double scale, final java.util.function.DoubleBinaryOperator compare, final String format)
    {
        final List<double[]> pairs = new ArrayList<>();
        for (int round = 0; round < rounds; round++)
        {
            final Run raw = results.get(round + " raw-" + what + " " + size);
            final Run bridged = results.get(round + " bridge-" + what + " " + size);
            if (raw != null && bridged != null && raw.phase.equals(phase) && bridged.phase.equals(phase))
            {
                final double r = raw.values[index] / scale;
                final double b = bridged.values[index] / scale;
                pairs.add(new double[]{ r, b, compare.applyAsDouble(r, b) });
            }
        }
        if (pairs.isEmpty())
        {
            return;
        }
        final String number = scale == 1 ? "%,.0f %s" : "%.1f %s";
        System.out.printf("| %d B | %s | %s | %s | %s | %s | %d |%n", size,
            label, phase,
            String.format(number, median(pairs, 0), unit), String.format(number, median(pairs, 1), unit),
            String.format(format, median(pairs, 2)), pairs.size());
        if (format.endsWith("us"))
        {
            // Each pair's difference, so that the spread shows beside the median.
            final StringBuilder each = new StringBuilder();
            pairs.forEach(pair -> each.append(String.format(" %+.1f", pair[2])));
            System.out.printf("|  |  |  |  |  | pairs:%s us |  |%n", each);
        }
    }

    private static double median(final List<double[]> runs, final int index)
    {
        final double[] values = runs.stream().mapToDouble(v -> v[index]).sorted().toArray();
        final int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private record Run(String phase, double[] values)
    {
    }

    // ---------------------------------------------------------------------------------------------------------
    // The children: host A (source, ping) and host B (sink, pong), on two ports: B's (toB) and A's (toA).

    private static void child(final String mode, final int size, final int count, final int port,
        final Path directory) throws Exception
    {
        final String toB = "aeron:udp?endpoint=localhost:" + port;
        final String toA = "aeron:udp?endpoint=localhost:" + (port + 1);
        switch (mode)
        {
            case "raw-sink" -> rawSink(size, count, toB, directory);
            case "raw-source" -> rawSource(size, count, toB, directory);
            case "bridge-sink" -> bridgeSink(size, count, BridgeConfig.of(toB, toA), directory);
            case "bridge-source" -> bridgeSource(size, count, BridgeConfig.of(toB, toA), directory);
            case "raw-ping", "raw-pong" -> rawRoundTrips(mode.endsWith("ping"), size, count,
                mode.endsWith("ping") ? toB : toA, mode.endsWith("ping") ? toA : toB, directory);
            case "bridge-ping", "bridge-pong" ->
            {
                // Each direction's data and the other direction's acknowledgements share a channel (stream ids
                // apart): one socket each way, as the raw run has.
                final BridgeConfig ping = BridgeConfig.of(toB, toA).withStreamId(STREAM_ID)
                    .withIdleStrategy(YieldingIdleStrategy::new);
                final BridgeConfig pong = BridgeConfig.of(toA, toB).withStreamId(STREAM_ID + 2)
                    .withIdleStrategy(YieldingIdleStrategy::new);
                final boolean isPing = mode.endsWith("ping");
                bridgeRoundTrips(isPing, size, count, isPing ? ping : pong, isPing ? pong : ping, directory);
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    private static MediaDriver sharedDriver(final Path directory, final IdleStrategy idle)
    {
        return MediaDriver.launch(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idle)
            .aeronDirectoryName(directory.resolve("aeron").toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
    }

    private static IdleStrategy backoff()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** Counts messages; the rate is taken over the last three quarters, after the JIT and the streams settled. */
    private static final class Meter
    {
        private final long count;
        private long seen;
        private long quarterNanos;
        private long lastNanos;

        Meter(final long count)
        {
            this.count = count;
        }

        void onMessage()
        {
            if (++seen == count / 4)
            {
                quarterNanos = System.nanoTime();
            }
            else if (seen == count)
            {
                lastNanos = System.nanoTime();
            }
        }

        boolean done()
        {
            return seen >= count;
        }

        double perSecond()
        {
            return (count - count / 4) / ((lastNanos - quarterNanos) / 1e9);
        }
    }

    private static void rawSink(final int size, final int count, final String channel, final Path directory)
    {
        try (MediaDriver driver = sharedDriver(directory, backoff());
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
             Subscription subscription = aeron.addSubscription(channel, STREAM_ID))
        {
            final Meter meter = new Meter(count);
            final FragmentHandler handler = new FragmentAssembler((buffer, offset, length, header) ->
                meter.onMessage());
            final IdleStrategy idle = backoff();
            System.out.println(READY);
            while (!meter.done())
            {
                idle.idle(subscription.poll(handler, 256));
            }
            System.out.println(RESULT + meter.perSecond());
        }
    }

    private static void rawSource(final int size, final int count, final String channel, final Path directory)
        throws InterruptedException
    {
        try (MediaDriver driver = sharedDriver(directory, backoff());
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
             ExclusivePublication publication = aeron.addExclusivePublication(channel, STREAM_ID))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            final IdleStrategy idle = backoff();
            while (!publication.isConnected())
            {
                Thread.sleep(1);
            }
            for (long i = 0; i < count; )
            {
                message.putLong(0, i);
                if (publication.offer(message, 0, size) > 0)
                {
                    i++;
                    idle.reset();
                }
                else
                {
                    idle.idle();
                }
            }
            // Until the sink has it all: closing sooner would drop what the driver has not sent yet.
            while (publication.isConnected())
            {
                Thread.sleep(10);
            }
        }
    }

    private static void bridgeSink(final int size, final int count, final BridgeConfig config,
        final Path directory) throws InterruptedException
    {
        try (ShmQueue queue = ShmQueue.create("bench", QueueConfig.spsc(RING_CAPACITY).withDirectory(directory));
             QueueBridge bridge = QueueBridge.receive(queue, embedded(config, directory));
             RingConsumer consumer = queue.consumer())
        {
            final Meter meter = new Meter(count);
            final MessageHandler handler = (typeId, buffer, offset, length) -> meter.onMessage();
            final IdleStrategy idle = backoff();
            System.out.println(READY);
            while (!meter.done())
            {
                idle.idle(consumer.read(handler, 256));
            }
            System.out.println(RESULT + meter.perSecond());
            // Long enough for the last acknowledgement to reach the source, which waits for it.
            Thread.sleep(200);
        }
    }

    private static void bridgeSource(final int size, final int count, final BridgeConfig config,
        final Path directory) throws InterruptedException
    {
        try (ShmQueue queue = ShmQueue.create("bench", QueueConfig.spsc(RING_CAPACITY).withDirectory(directory));
             RingProducer producer = queue.producer();
             QueueBridge bridge = QueueBridge.send(queue, embedded(config, directory)))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            final IdleStrategy idle = backoff();
            for (long i = 0; i < count; )
            {
                message.putLong(0, i);
                if (producer.offer(1, message, 0, size))
                {
                    i++;
                    idle.reset();
                }
                else
                {
                    idle.idle();
                }
            }
            final long end = queue.header().tailPosition();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (bridge.sender().releasedPosition() < end && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
        }
    }

    private static BridgeConfig embedded(final BridgeConfig config, final Path directory)
    {
        return config.withEmbeddedDriverDirectory(directory.resolve("aeron").toString());
    }

    private static void rawRoundTrips(final boolean ping, final int size, final int count, final String out,
        final String in, final Path directory)
    {
        final Supplier<IdleStrategy> yielding = YieldingIdleStrategy::new;
        try (MediaDriver driver = sharedDriver(directory, yielding.get());
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
             ExclusivePublication publication = aeron.addExclusivePublication(out, STREAM_ID);
             Subscription subscription = aeron.addSubscription(in, STREAM_ID))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            final IdleStrategy idle = yielding.get();
            final boolean[] got = new boolean[1];
            final FragmentHandler handler = new FragmentAssembler((buffer, offset, length, header) -> got[0] = true);
            if (!ping)
            {
                System.out.println(READY);
            }
            while (!publication.isConnected() || !subscription.isConnected())
            {
                idle.idle();
            }
            final long[] samples = new long[count];
            for (int i = -count / 2; i < count; i++)
            {
                final long start = System.nanoTime();
                if (ping)
                {
                    while (publication.offer(message, 0, size) < 0)
                    {
                        idle.idle();
                    }
                }
                got[0] = false;
                while (!got[0])
                {
                    idle.idle(subscription.poll(handler, 1));
                }
                if (!ping)
                {
                    while (publication.offer(message, 0, size) < 0)
                    {
                        idle.idle();
                    }
                }
                else if (i >= 0)
                {
                    samples[i] = System.nanoTime() - start;
                }
            }
            if (ping)
            {
                printRoundTrips(samples);
            }
        }
    }

    private static void bridgeRoundTrips(final boolean ping, final int size, final int count,
        final BridgeConfig out, final BridgeConfig in, final Path directory) throws InterruptedException
    {
        final QueueConfig rings = QueueConfig.spsc(1 << 20).withDirectory(directory);
        try (ShmQueue outgoing = ShmQueue.create(ping ? "ping" : "pong", rings);
             ShmQueue incoming = ShmQueue.create(ping ? "pong" : "ping", rings);
             RingProducer producer = outgoing.producer();
             RingConsumer consumer = incoming.consumer();
             QueueBridge bridge = QueueBridge.duplex(outgoing, embedded(out, directory), incoming, in))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            final IdleStrategy idle = new YieldingIdleStrategy();
            final int[] got = new int[1];
            final MessageHandler handler = (typeId, buffer, offset, length) -> got[0]++;
            if (!ping)
            {
                System.out.println(READY);
            }
            final long[] samples = new long[count];
            for (int i = -count / 2; i < count; i++)
            {
                final long start = System.nanoTime();
                if (ping)
                {
                    while (!producer.offer(1, message, 0, size))
                    {
                        idle.idle();
                    }
                }
                got[0] = 0;
                while (got[0] == 0)
                {
                    idle.idle(consumer.read(handler, 1));
                }
                if (!ping)
                {
                    while (!producer.offer(1, message, 0, size))
                    {
                        idle.idle();
                    }
                }
                else if (i >= 0)
                {
                    samples[i] = System.nanoTime() - start;
                }
            }
            if (ping)
            {
                printRoundTrips(samples);
            }
            // The last message's acknowledgement, before the other side closes.
            Thread.sleep(200);
        }
    }

    private static void printRoundTrips(final long[] samples)
    {
        Arrays.sort(samples);
        System.out.println(RESULT + samples[samples.length / 2] + " " + samples[samples.length * 99 / 100]);
    }
}
