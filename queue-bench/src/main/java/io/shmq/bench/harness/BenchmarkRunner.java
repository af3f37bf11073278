package io.shmq.bench.harness;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.shmq.ShmQueue;
import io.shmq.nativeio.HugePageStatus;
import io.shmq.nativeio.SysVQueues;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.DataFormatException;

/**
 * Runs shmq and its peers through the same scenarios, each side in its own JVM, systems interleaved round by
 * round, and writes a markdown report, the raw runs, the latency histograms and percentile plots.
 *
 * <pre>
 *   ./run-bench.sh [--quick] [--rounds N] [--systems SHMQ_SPSC,AERON_IPC,...] [--scenarios rtt-32,spsc,...]
 *                  [--results DIR]
 * </pre>
 *
 * <p>Placement on this 2-core machine: a sender (or pinger) is pinned to CPU 0 and its receiver (or ponger) to
 * CPU 1 with {@code taskset}; both busy-spin. The two-producer MPSC runs are not pinned: three spinning processes
 * share two cores. Aeron's media driver runs embedded in this orchestrating JVM, {@code SHARED} threading mode
 * with a {@code BackoffIdleStrategy}, default IPC term length; its clients busy-spin like everyone else.
 */
public final class BenchmarkRunner
{
    private static final int[] THROUGHPUT_SIZES = { 32, 256, 1024, 65536 };
    private static final int[] LATENCY_SIZES = { 32, 1024 };
    private static final int HUGE_PAGES_NEEDED = 16;
    private static final long HUGE_PAGE = 2L << 20;

    private final boolean quick;
    private final int rounds;
    private final Set<BenchSystem> systems;
    /** Prefixes of the scenario names to run ({@code spsc-32}, {@code mpsc2}, {@code rtt} ...); empty: all. */
    private final List<String> scenarios;
    private final Path results;
    private final boolean pin;
    private final String aeronDir;
    private final List<Run> runs = new ArrayList<>();
    private int channelCounter;
    private int ringCapacity = Channels.RING_CAPACITY;
    /** The grid of a {@code --sweep} run, or null for the classic scenarios. */
    private Sweep sweep;
    private long hugePagesAdded;

    /**
     * One measured run: a scenario, a system, a round, what it measured, and the machine's phase around it
     * ({@code fast}, {@code slow} or {@code mixed}: see {@link PhaseProbe}).
     */
    record Run(String scenario, BenchSystem system, int round, double rate, Histogram histogram, String error,
        String phase)
    {
        Run withPhase(final String phase)
        {
            return new Run(scenario, system, round, rate, histogram, error, phase);
        }

    }

    private BenchmarkRunner(final boolean quick, final int rounds, final Set<BenchSystem> systems,
        final List<String> scenarios, final Path results)
    {
        this.quick = quick;
        this.rounds = rounds;
        this.systems = systems;
        this.scenarios = scenarios;
        this.results = results;
        this.pin = CorePinning.available();
        this.aeronDir = "/dev/shm/shmq-bench-aeron-" + ProcessHandle.current().pid();
    }

    /**
     * Entry point.
     *
     * @param args {@code [--quick] [--sweep] [--rounds N] [--systems A,B] [--scenarios P,Q] [--ring-capacity BYTES]
     *             [--results DIR]}.
     * @throws Exception when the run cannot be set up.
     */
    public static void main(final String[] args) throws Exception
    {
        try
        {
            start(args);
        }
        catch (final IllegalArgumentException | ArrayIndexOutOfBoundsException ex)
        {
            System.err.println("run-bench: " + (ex instanceof ArrayIndexOutOfBoundsException ?
                "an option lacks its value" : ex.getMessage()));
            System.err.println("usage: ./run-bench.sh [--quick] [--sweep] [--rounds N] [--systems " +
                "SHMQ_SPSC,AERON_IPC,...] [--scenarios rtt-32,spsc,...] [--ring-capacity BYTES] [--results DIR]");
            System.exit(64);
        }
    }

    private static void start(final String[] args) throws Exception
    {
        boolean quick = false;
        boolean sweep = false;
        int rounds = -1;
        Set<BenchSystem> systems = EnumSet.allOf(BenchSystem.class);
        int ringCapacity = Channels.RING_CAPACITY;
        List<String> scenarios = List.of();
        Path results = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--quick" -> quick = true;
                case "--sweep" -> sweep = true;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--systems" -> systems = EnumSet.copyOf(List.of(args[++i].split(",")).stream()
                    .map(BenchSystem::parse).collect(Collectors.toList()));
                case "--scenarios" -> scenarios = List.of(args[++i].split(","));
                case "--results" -> results = Path.of(args[++i]);
                case "--ring-capacity" -> ringCapacity = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (Integer.bitCount(ringCapacity) != 1 || ringCapacity < 64 << 10)
        {
            throw new IllegalArgumentException("--ring-capacity must be a power of two of at least 65536: " +
                ringCapacity);
        }
        if (rounds < 0)
        {
            rounds = sweep ? Sweep.rounds(quick) : quick ? 1 : 5;
        }
        if (results == null)
        {
            results = Path.of("results", (sweep ? "sweep-" : "") + (quick ? "quick-" : "full-") +
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Files.createDirectories(results);
        final BenchmarkRunner runner = new BenchmarkRunner(quick, rounds, systems, scenarios, results);
        runner.ringCapacity = ringCapacity;
        runner.sweep = sweep ? new Sweep(quick) : null;
        runner.run();
        final long failed = runner.runs.stream().filter(r -> r.error() != null).count();
        final long shmqFailed = runner.runs.stream().filter(r -> r.error() != null && r.system().isShmq()).count();
        if (failed > 0)
        {
            // 3: a shmq run failed (a bug of ours); 2: only peers or floors failed (see the report).
            System.err.println(failed + " run(s) failed, " + shmqFailed + " of them shmq's: see 'Failed runs' " +
                "in the report");
            System.exit(shmqFailed > 0 ? 3 : 2);
        }
    }

    private void run() throws Exception
    {
        final long start = System.nanoTime();
        // Interrupted (Ctrl-C, a CI timeout): still remove every file, segment and child this run made.
        final Thread cleanup = new Thread(this::removeLeftovers);
        Runtime.getRuntime().addShutdownHook(cleanup);
        hugePagesAdded = systems.contains(BenchSystem.SHMQ_SPSC_HUGE) ? reserveHugePages() : 0;
        final MediaDriver driver = systems.contains(BenchSystem.AERON_IPC) ? MediaDriver.launchEmbedded(
            new MediaDriver.Context()
                .aeronDirectoryName(aeronDir)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy())
                .publicationLingerTimeoutNs(TimeUnit.MILLISECONDS.toNanos(100))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)) : null;
        try
        {
            for (int r = 0; r < rounds; r++)
            {
                final int round = r;
                System.err.printf("round %d of %d%n", round + 1, rounds);
                if (sweep != null)
                {
                    sweep.runRound(this, round);
                    continue;
                }
                for (final int size : THROUGHPUT_SIZES)
                {
                    for (final BenchSystem system : inOrderOf(round))
                    {
                        if (system.measuresThroughput())
                        {
                            final String scenario = "spsc-" + size;
                            probed(scenario, () -> throughput(scenario, system, round, size, 1));
                        }
                    }
                }
                for (final int producers : new int[]{ 1, 2 })
                {
                    for (final BenchSystem system : inOrderOf(round))
                    {
                        if (system.takesManyProducers())
                        {
                            final String scenario = "mpsc" + producers + "-32";
                            probed(scenario, () -> throughput(scenario, system, round, 32, producers));
                        }
                    }
                }
                for (final int size : LATENCY_SIZES)
                {
                    for (final BenchSystem system : inOrderOf(round))
                    {
                        if (system.measuresLatency())
                        {
                            final String scenario = "rtt-" + size;
                            probed(scenario, () -> latency(scenario, system, round, size));
                        }
                    }
                }
            }
        }
        finally
        {
            if (driver != null)
            {
                driver.close();
            }
            releaseHugePages();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        if (sweep != null)
        {
            new SweepReport(runs, rounds, sweep, results, seconds).write();
        }
        else
        {
            new Report(runs, rounds, quick, results, seconds).write();
        }
        removeLeftovers();
        Runtime.getRuntime().removeShutdownHook(cleanup);
    }

    /**
     * Runs one measurement between two phase probes and tags what it recorded with the phase: {@code mixed} when
     * the machine changed phase meanwhile.
     */
    void probed(final String scenario, final Runnable measurement)
    {
        if (!scenarios.isEmpty() && scenarios.stream().noneMatch(scenario::startsWith))
        {
            return;
        }
        final String before = PhaseProbe.phaseOf(PhaseProbe.roundTripNanos());
        final int first = runs.size();
        measurement.run();
        final String after = PhaseProbe.phaseOf(PhaseProbe.roundTripNanos());
        final String phase = before.equals(after) ? before : "mixed";
        for (int i = first; i < runs.size(); i++)
        {
            runs.set(i, runs.get(i).withPhase(phase));
        }
        System.err.printf("  %-45s phase %s%n", "", phase);
    }

    /**
     * The systems in the order a round runs them: reversed every other round (A B .. B A), so that a change of the
     * shared machine's speed during a round does not always favour the same system.
     */
    List<BenchSystem> inOrderOf(final int round)
    {
        final List<BenchSystem> ordered = new ArrayList<>(systems);
        if ((round & 1) == 1)
        {
            Collections.reverse(ordered);
        }
        return ordered;
    }

    private void removeLeftovers()
    {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        final String prefix = "shmq-bench-c" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> files = Files.list(ChannelSpec.DIRECTORY))
        {
            files.filter(p -> p.getFileName().toString().startsWith(prefix) ||
                p.getFileName().toString().equals("shmq-c" + ProcessHandle.current().pid()))
                .forEach(Channels::deleteRecursively);
        }
        catch (final IOException ignore)
        {
            // Best effort on the way out.
        }
        for (int i = 1; i <= channelCounter; i++)
        {
            final String name = "c" + ProcessHandle.current().pid() + "-" + i;
            ShmQueue.delete(name);
            if (systems.contains(BenchSystem.SHMQ_SPSC_HUGE))
            {
                SysVQueues.delete(name);
            }
        }
        Channels.deleteRecursively(Path.of(aeronDir));
        try
        {
            releaseHugePages();
        }
        catch (final IOException ignore)
        {
            // Best effort on the way out.
        }
    }

    private String nextChannel()
    {
        return "c" + ProcessHandle.current().pid() + "-" + (++channelCounter);
    }

    private ChannelSpec spec(final BenchSystem system, final int maxLength) throws IOException
    {
        return spec(system, maxLength, ringCapacity);
    }

    private ChannelSpec spec(final BenchSystem system, final int maxLength, final int capacity) throws IOException
    {
        final String extra = switch (system)
        {
            case AERON_IPC -> aeronDir;
            case TCP -> Integer.toString(freePort());
            default -> "";
        };
        return new ChannelSpec(system, nextChannel(), Math.max(maxLength, 64), capacity, extra);
    }

    private void throughput(final String scenario, final BenchSystem system, final int round, final int size,
        final int producers)
    {
        throughput(scenario, system, round, size, producers, ringCapacity,
            ReceiverKind.valueOf(System.getProperty("shmq.bench.receiver", "SAMPLE")), producers == 1);
    }

    /**
     * One throughput run: {@code producers} senders and one receiver of {@code kind}, on a ring of
     * {@code capacity} bytes (for the systems that have one), pinned one side per core or left to the scheduler.
     */
    void throughput(final String scenario, final BenchSystem system, final int round, final int size,
        final int producers, final int capacity, final ReceiverKind kind, final boolean pinned)
    {
        final long warmup = sweep != null || quick ? 150 : 400;
        final long measure = sweep != null || quick ? 300 : 1000;
        if (system == BenchSystem.MEMCPY)
        {
            try (Child child = Child.start(pinTo(0), "memcpy", Integer.toString(size), Long.toString(measure)))
            {
                record(scenario, system, round, child.awaitResult(30), null);
            }
            catch (final Exception ex)
            {
                record(scenario, system, round, null, ex);
            }
            return;
        }
        ChannelSpec spec = null;
        final List<Child> children = new ArrayList<>();
        try
        {
            spec = spec(system, size, capacity);
            Channels.prepare(spec);
            final Child receiver = Child.start(pinned ? pinTo(1) : List.of(), "receive", spec.format(),
                Integer.toString(producers), Long.toString(warmup), kind.name());
            children.add(receiver);
            receiver.awaitReady(30);
            for (int p = 0; p < producers; p++)
            {
                final List<String> args = new ArrayList<>(List.of("send", spec.format(), Integer.toString(p),
                    Integer.toString(size), Long.toString(warmup + measure)));
                if (scenario.startsWith("mpsc"))
                {
                    args.add("concurrent");
                }
                children.add(Child.start(pinned ? pinTo(0) : List.of(), args.toArray(new String[0])));
            }
            for (final Child sender : children.subList(1, children.size()))
            {
                sender.awaitExit(60);
            }
            record(scenario, system, round, receiver.awaitResult(60), null);
        }
        catch (final Exception ex)
        {
            record(scenario, system, round, null, ex);
        }
        finally
        {
            children.forEach(Child::close);
            if (spec != null)
            {
                Channels.cleanup(spec);
            }
        }
    }

    private void latency(final String scenario, final BenchSystem system, final int round, final int size)
    {
        final int warmup = quick ? 5_000 : 20_000;
        final int measured = quick ? 10_000 : 100_000;
        ChannelSpec ping = null;
        ChannelSpec pong = null;
        final List<Child> children = new ArrayList<>();
        try
        {
            ping = spec(system, size);
            pong = system == BenchSystem.CACHE_LINE ? ping : spec(system, size);
            Channels.prepare(ping);
            if (pong != ping)
            {
                Channels.prepare(pong);
            }
            final Child ponger = Child.start(pinTo(1), "pong", ping.format(), pong.format());
            children.add(ponger);
            ponger.awaitReady(30);
            final Child pinger = Child.start(pinTo(0), "ping", ping.format(), pong.format(), Integer.toString(size),
                Integer.toString(warmup), Integer.toString(measured));
            children.add(pinger);
            final String result = pinger.awaitResult(120);
            record(scenario, system, round, result, null);
            ponger.awaitExit(10);
        }
        catch (final Exception ex)
        {
            record(scenario, system, round, null, ex);
        }
        finally
        {
            children.forEach(Child::close);
            if (ping != null)
            {
                Channels.cleanup(ping);
            }
            if (pong != null && pong != ping)
            {
                Channels.cleanup(pong);
            }
        }
    }

    private void record(final String scenario, final BenchSystem system, final int round, final String output,
        final Exception error)
    {
        if (error != null)
        {
            System.err.printf("  %-10s %-34s FAILED: %s%n", scenario, system.label(), error.getMessage());
            runs.add(new Run(scenario, system, round, Double.NaN, null, String.valueOf(error.getMessage()), "-"));
            return;
        }
        double rate = Double.NaN;
        Histogram histogram = null;
        for (final String line : output.split("\n"))
        {
            if (line.startsWith("RESULT rate="))
            {
                rate = Double.parseDouble(line.substring(12, line.indexOf(' ', 12)));
            }
            else if (line.startsWith("HIST "))
            {
                try
                {
                    histogram = Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(line.substring(5).trim())), 0);
                }
                catch (final DataFormatException ex)
                {
                    record(scenario, system, round, null, new IllegalStateException("bad histogram: " + ex));
                    return;
                }
            }
        }
        if (histogram != null)
        {
            System.err.printf("  %-10s %-34s p50 %,8d ns  p99 %,10d ns%n", scenario, system.label(),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99));
        }
        else
        {
            System.err.printf("  %-10s %-34s %,14.0f msgs/s%n", scenario, system.label(), rate);
        }
        runs.add(new Run(scenario, system, round, rate, histogram, null, "-"));
    }

    private List<String> pinTo(final int cpu)
    {
        return pin ? CorePinning.prefix(cpu) : List.of();
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static long reserveHugePages()
    {
        try
        {
            return HugePageStatus.reserve(HUGE_PAGE, HUGE_PAGES_NEEDED);
        }
        catch (final IOException ex)
        {
            System.err.println("cannot reserve huge pages (" + ex.getMessage() + "): the huge-page runs will fail");
            return 0;
        }
    }

    private synchronized void releaseHugePages() throws IOException
    {
        final long added = hugePagesAdded;
        hugePagesAdded = 0;
        HugePageStatus.release(HUGE_PAGE, added);
    }

    /**
     * A child JVM running {@link BenchChild}, its output in a temporary file; killed on close.
     */
    static final class Child implements AutoCloseable
    {
        private final Process process;
        private final Path output;

        private Child(final Process process, final Path output)
        {
            this.process = process;
            this.output = output;
        }

        static Child start(final List<String> prefix, final String... args) throws IOException
        {
            final List<String> command = new ArrayList<>(prefix);
            command.addAll(JavaCommand.of(peerFlags(), BenchChild.class, args));
            final Path output = Files.createTempFile("shmq-bench-", ".log");
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
            return new Child(process, output);
        }

        static Child start(final String... args) throws IOException
        {
            return start(List.of(), args);
        }

        void awaitReady(final long seconds) throws Exception
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!output().contains("READY"))
            {
                if (!process.isAlive() || System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("child not ready: " + lastLines());
                }
                Thread.sleep(2);
            }
        }

        void awaitExit(final long seconds) throws Exception
        {
            if (!process.waitFor(seconds, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("child did not finish in " + seconds + " s: " + lastLines());
            }
            if (process.exitValue() != 0)
            {
                throw new IllegalStateException("child exited with " + process.exitValue() + ": " + lastLines());
            }
        }

        String awaitResult(final long seconds) throws Exception
        {
            awaitExit(seconds);
            final String text = output();
            if (!text.contains("RESULT"))
            {
                throw new IllegalStateException("no RESULT: " + lastLines());
            }
            return text;
        }

        String output() throws IOException
        {
            return Files.readString(output, StandardCharsets.UTF_8);
        }

        private String lastLines()
        {
            try
            {
                final List<String> lines = List.of(output().split("\n"));
                return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
            }
            catch (final IOException ex)
            {
                return ex.toString();
            }
        }

        @Override
        public void close()
        {
            process.destroyForcibly();
            try
            {
                process.waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(output);
            }
            catch (final Exception ignore)
            {
                // A leftover log in the temp directory is harmless.
            }
        }
    }

    /**
     * JVM options of every child: shmq's, JNA's, and what Chronicle needs (its analytics off).
     */
    /**
     * What the peers need beyond shmq's own flags (Chronicle's opens and analytics switch, a bounded heap).
     */
    static List<String> peerFlags()
    {
        final List<String> flags = new ArrayList<>();
        flags.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
        flags.add("--add-opens=java.base/java.lang.reflect=ALL-UNNAMED");
        flags.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        flags.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        flags.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
        flags.add("-Dchronicle.analytics.disable=true");
        flags.add("-Xmx512m");
        // Experiments' knobs (-Dshmq.bench.alignment=8 ...) reach every child.
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("shmq.")).sorted()
            .forEach(name -> flags.add("-D" + name + "=" + System.getProperty(name)));
        if (Runtime.version().feature() >= 23)
        {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }
}
