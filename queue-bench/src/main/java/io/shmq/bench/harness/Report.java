package io.shmq.bench.harness;

import io.shmq.bench.Machine;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleBiFunction;

/**
 * Turns the runs into the markdown report (medians and spreads, ratios to peers and floors, the targets of the
 * benchmark issue), the raw CSV, one {@code .hgrm} percentile distribution per latency series and the plots.
 */
final class Report
{
    private final List<BenchmarkRunner.Run> runs;
    private final int rounds;
    private final boolean quick;
    private final Path results;
    private final double seconds;
    private final StringBuilder md = new StringBuilder();

    Report(final List<BenchmarkRunner.Run> runs, final int rounds, final boolean quick, final Path results,
        final double seconds)
    {
        this.runs = runs;
        this.rounds = rounds;
        this.quick = quick;
        this.results = results;
        this.seconds = seconds;
    }

    void write() throws IOException
    {
        line("# shmq benchmark report (%s mode)", quick ? "quick" : "full");
        line("");
        line("%s; %s, %d cores; %s %s; kernel %s. %d round(s), systems interleaved in each round; %.0f s in all.",
            LocalDate.now(), Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
            System.getProperty("java.version"), System.getProperty("os.version"), rounds, seconds);
        line("");
        line("Each side in its own JVM; sender/pinger pinned to CPU 0, receiver/ponger to CPU 1 (taskset), both " +
            "busy-spinning (except 'futex sleep'); two-producer MPSC runs unpinned (3 spinning processes on 2 " +
            "cores). One send per message; the receiver checks every sequence number and the payload checksum " +
            "of 1 in 1024 messages (every 64 KiB message). Aeron: embedded media driver in the orchestrator, " +
            "SHARED threading mode, BackoffIdleStrategy, default IPC term length; exclusive publication for one " +
            "producer, concurrent publication for MPSC. Chronicle Queue: analytics disabled, appender " +
            "writingDocument / tailer readingDocument. Rings (shmq, Agrona): %d MiB of data; shmq receivers " +
            "release at their next poll (`RingConsumer.deferRelease`). Before and after each run two threads of " +
            "the orchestrator ping-pong one word to tell the machine's phase (fast: round trip <= %d ns).",
            Channels.RING_CAPACITY >> 20, PhaseProbe.SLOW_PHASE_NANOS);
        line("");

        throughputSection();
        latencySection();
        targetsSection();
        failures();
        suspects();

        save();
    }

    /**
     * Prints the report and writes it ({@code report.md}) and the raw runs ({@code runs.csv}) to the results.
     */
    void save() throws IOException
    {
        final String text = md.toString();
        System.out.print(text);
        Files.writeString(results.resolve("report.md"), text, StandardCharsets.UTF_8);
        writeCsv();
        System.out.println();
        System.out.println("results: " + results.toAbsolutePath());
    }

    private void throughputSection()
    {
        for (final String scenario : scenarios("spsc-", "mpsc"))
        {
            final boolean mpsc = scenario.startsWith("mpsc");
            final int size = Integer.parseInt(scenario.substring(scenario.indexOf('-') + 1));
            final BenchSystem reference = mpsc ? BenchSystem.SHMQ_MPSC : BenchSystem.SHMQ_SPSC;
            line("## Throughput: %s", describe(scenario));
            line("");
            line("| system | median msgs/s | spread (min-max) | median, fast phase | median, slow phase | MB/s | " +
                "%s / this (same round and phase) |", reference.label());
            line("|---|---|---|---|---|---|---|");
            for (final BenchSystem system : systemsOf(scenario))
            {
                final double[] rates = rates(scenario, system);
                if (rates.length == 0)
                {
                    line("| %s | failed | | | | | |", system.label());
                    continue;
                }
                final double median = median(rates);
                line("| %s | %s | %s - %s | %s | %s | %s | %s |", system.label(), millions(median),
                    millions(rates[0]), millions(rates[rates.length - 1]), phaseMedian(scenario, system, "fast"),
                    phaseMedian(scenario, system, "slow"), fmt("%,.0f", median * size / 1e6),
                    system == reference ? "1" : ratioText(rateRatio(scenario, reference, system)));
            }
            line("");
        }
    }

    private void latencySection() throws IOException
    {
        for (final String scenario : scenarios("rtt-"))
        {
            final int size = Integer.parseInt(scenario.substring(4));
            final Histogram floor = merged(scenario, BenchSystem.CACHE_LINE);
            line("## Round-trip latency: %s ping-pong, one channel per direction (ns, the median round by p50)",
                sizeName(size));
            line("");
            line("| system | p50 | p90 | p99 | p99.9 | p99.99 | max | p50 / floor p50 (median of per-round ratios) |");
            line("|---|---|---|---|---|---|---|---|");
            final Map<String, Histogram> plotted = new LinkedHashMap<>();
            for (final BenchSystem system : systemsOf(scenario))
            {
                final Histogram histogram = merged(scenario, system);
                if (histogram == null)
                {
                    line("| %s | failed | | | | | | |", system.label());
                    continue;
                }
                plotted.put(system.label(), histogram);
                line("| %s | %,d | %,d | %,d | %,d | %,d | %,d | %s |", system.label(),
                    histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                    histogram.getValueAtPercentile(99.99), histogram.getMaxValue(),
                    floor == null ? "" : ratioText(p50Ratio(scenario, system, BenchSystem.CACHE_LINE)));
                try (PrintStream out = new PrintStream(Files.newOutputStream(
                    results.resolve(scenario + "-" + system.name().toLowerCase(Locale.ROOT) + ".hgrm")), true,
                    StandardCharsets.UTF_8))
                {
                    histogram.outputPercentileDistribution(out, 1000.0);
                }
            }
            if (floor != null)
            {
                final StringBuilder phases = new StringBuilder();
                for (int round = 0; round < rounds; round++)
                {
                    final BenchmarkRunner.Run run = measured(scenario, BenchSystem.CACHE_LINE, round);
                    phases.append(phases.length() == 0 ? "" : ", ").append(run == null ? "-" :
                        fmt("%,d", run.histogram().getValueAtPercentile(50)));
                }
                line("");
                line("The floor's p50 by round (ns): %s. It moves with the phase of the shared machine (which cores " +
                    "the hypervisor gives us), so the ratios compare runs of the same round.", phases);
            }
            final String png = "latency-" + sizeName(size).replace(" ", "") + ".png";
            PercentilePlot.write("Round-trip latency, " + sizeName(size) + " messages, two JVMs", plotted,
                results.resolve(png));
            line("");
            line("![%s round-trip latency](%s)", sizeName(size), png);
            line("");
        }
    }

    private void targetsSection()
    {
        line("## Against the targets");
        line("");
        line("Each ratio is the median over rounds of the ratio between two runs of the same round made in the same " +
            "phase of the machine (runs during which the phase changed are left out), given for each phase.");
        line("");
        line("| target | measured | verdict |");
        line("|---|---|---|");
        BenchSystem best = null;
        for (final BenchSystem peer : new BenchSystem[]{ BenchSystem.AGRONA_O2O, BenchSystem.AERON_IPC,
            BenchSystem.CHRONICLE, BenchSystem.UDS, BenchSystem.TCP })
        {
            final double rate = medianRate("spsc-32", peer);
            if (!Double.isNaN(rate) && (best == null || rate > medianRate("spsc-32", best)))
            {
                best = peer;
            }
        }
        if (best != null)
        {
            target("SPSC 32 B >= 2 x the best peer (" + best.label() + ")", 2.0, "%.2f x",
                rateRatios("spsc-32", BenchSystem.SHMQ_SPSC, best));
        }
        target("SPSC 1 KiB >= 1.2 x Agrona OneToOneRingBuffer", 1.2, "%.2f x",
            rateRatios("spsc-1024", BenchSystem.SHMQ_SPSC, BenchSystem.AGRONA_O2O));
        for (final int producers : new int[]{ 1, 2 })
        {
            final String scenario = "mpsc" + producers + "-32";
            target("MPSC " + producers + " producer(s) >= 1.5 x Agrona ManyToOneRingBuffer", 1.5, "%.2f x",
                rateRatios(scenario, BenchSystem.SHMQ_MPSC, BenchSystem.AGRONA_M2O));
            target("MPSC " + producers + " producer(s) ahead of Aeron concurrent publication", 1.0, "%.2f x",
                rateRatios(scenario, BenchSystem.SHMQ_MPSC, BenchSystem.AERON_IPC));
        }
        // Latency: lower is better, so the ratios are taken the other way round (floor / shmq >= 1 / 1.3).
        target("RTT p50 (32 B) <= 1.3 x the cache-line floor (shown: floor p50 / shmq p50)", 1 / 1.3, "%.2f",
            p50Ratios("rtt-32", BenchSystem.CACHE_LINE, BenchSystem.SHMQ_SPSC));
        target("RTT p50 (32 B) below Aeron's (shown: Aeron p50 / shmq p50)", 1.0, "%.2f x",
            p50Ratios("rtt-32", BenchSystem.AERON_IPC, BenchSystem.SHMQ_SPSC));
        target("RTT p99 (32 B) <= 2 x shmq's own p50 (shown: p99 / p50)", 1 / 2.0, "%.2f",
            ratios("rtt-32", BenchSystem.SHMQ_SPSC, BenchSystem.SHMQ_SPSC,
                (a, b) -> (double)a.histogram().getValueAtPercentile(50) / a.histogram().getValueAtPercentile(99)),
            value -> 1 / value);
        target("RTT p50 (32 B) >= 20 x lower than a Unix domain socket", 20.0, "%.0f x",
            p50Ratios("rtt-32", BenchSystem.UDS, BenchSystem.SHMQ_SPSC));
        // memcpy runs on one core: the cross-core phase does not move it, so every round pairs.
        target("64 KiB >= half the memcpy bandwidth (shown: share of memcpy)", 0.5, "%.2f",
            ratios("spsc-65536", BenchSystem.SHMQ_SPSC, BenchSystem.MEMCPY, (x, y) -> x.rate() / y.rate(), true));
        line("");
        line("Allocation per operation is measured by JMH: `java -jar queue-bench/target/benchmarks.jar " +
            "RingOperationsBenchmark -prof gc`.");
        line("");
    }

    private void target(final String what, final double required, final String format,
        final Map<String, double[]> byPhase)
    {
        target(what, required, format, byPhase, value -> value);
    }

    /**
     * One line of the targets table: the median ratio in each phase, and whether it reaches {@code required}.
     *
     * @param shown turns a ratio into what the line prints (e.g. its inverse).
     */
    private void target(final String what, final double required, final String format,
        final Map<String, double[]> byPhase, final DoubleUnaryOperator shown)
    {
        if (byPhase.isEmpty())
        {
            line("| %s | not measured | - |", what);
            return;
        }
        final StringBuilder measured = new StringBuilder();
        final StringBuilder verdict = new StringBuilder();
        int met = 0;
        for (final Map.Entry<String, double[]> phase : byPhase.entrySet())
        {
            final double ratio = median(phase.getValue());
            measured.append(measured.length() == 0 ? "" : "; ").append(phase.getKey()).append(" phase: ")
                .append(fmt(format, shown.applyAsDouble(ratio))).append(" (")
                .append(phase.getValue().length).append(phase.getValue().length == 1 ? " round)" : " rounds)");
            if (ratio >= required)
            {
                met++;
            }
            else
            {
                verdict.append(verdict.length() == 0 ? "" : "; ").append(fmt("short in the %s phase (%.2f of target)",
                    phase.getKey(), ratio / required));
            }
        }
        line("| %s | %s | %s |", what, measured, met == byPhase.size() ? "met" : verdict);
    }

    void failures()
    {
        final List<BenchmarkRunner.Run> failed = runs.stream().filter(r -> r.error() != null).toList();
        if (!failed.isEmpty())
        {
            line("## Failed runs");
            line("");
            for (final BenchmarkRunner.Run run : failed)
            {
                line("- %s, %s, round %d: %s", run.scenario(), run.system().label(), run.round() + 1,
                    run.error().replace('|', '/'));
            }
            line("");
        }
    }

    /**
     * Lists round trips faster than the floor measured in the same round and phase: no channel can beat two
     * processes passing one word in one cache line, so such a figure is a harness bug (one was: two Aeron channels
     * sharing a stream, the pinger reading its own pings as echoes).
     */
    private void suspects()
    {
        final List<String> suspects = new ArrayList<>();
        for (final BenchmarkRunner.Run run : runs)
        {
            if (run.histogram() == null || run.system() == BenchSystem.CACHE_LINE)
            {
                continue;
            }
            final BenchmarkRunner.Run floor = measured(run.scenario(), BenchSystem.CACHE_LINE, run.round());
            if (floor != null && floor.histogram() != null && floor.phase().equals(run.phase()) &&
                run.histogram().getValueAtPercentile(50) < 0.9 * floor.histogram().getValueAtPercentile(50))
            {
                suspects.add(fmt("- %s, %s, round %d: p50 %,d ns below the floor's %,d ns (same round, %s phase)",
                    run.scenario(), run.system().label(), run.round() + 1, run.histogram().getValueAtPercentile(50),
                    floor.histogram().getValueAtPercentile(50), run.phase()));
            }
        }
        if (!suspects.isEmpty())
        {
            line("## Suspect runs");
            line("");
            line("Round trips faster than two processes passing one word in one cache line cannot be right: check " +
                "how the harness measures these.");
            line("");
            suspects.forEach(this::line);
            line("");
        }
    }

    private void writeCsv() throws IOException
    {
        final StringBuilder csv = new StringBuilder("scenario,system,round,phase,rate,p50,p99,error\n");
        for (final BenchmarkRunner.Run run : runs)
        {
            csv.append(run.scenario()).append(',').append(run.system().name()).append(',').append(run.round() + 1)
                .append(',').append(run.phase()).append(',').append(Double.isNaN(run.rate()) ? "" : fmt("%.0f", run.rate())).append(',')
                .append(run.histogram() == null ? "" : run.histogram().getValueAtPercentile(50)).append(',')
                .append(run.histogram() == null ? "" : run.histogram().getValueAtPercentile(99)).append(',')
                .append(run.error() == null ? "" : '"' + run.error().replace('"', '\'') + '"').append('\n');
        }
        Files.writeString(results.resolve("runs.csv"), csv, StandardCharsets.UTF_8);
    }

    private List<String> scenarios(final String... prefixes)
    {
        final Set<String> names = new LinkedHashSet<>();
        for (final BenchmarkRunner.Run run : runs)
        {
            for (final String prefix : prefixes)
            {
                if (run.scenario().startsWith(prefix))
                {
                    names.add(run.scenario());
                }
            }
        }
        return new ArrayList<>(names);
    }

    private List<BenchSystem> systemsOf(final String scenario)
    {
        final Set<BenchSystem> systems = new LinkedHashSet<>();
        runs.stream().filter(r -> r.scenario().equals(scenario)).forEach(r -> systems.add(r.system()));
        return new ArrayList<>(systems);
    }

    private double[] rates(final String scenario, final BenchSystem system)
    {
        return runs.stream().filter(r -> r.scenario().equals(scenario) && r.system() == system && r.error() == null)
            .mapToDouble(BenchmarkRunner.Run::rate).sorted().toArray();
    }

    private String phaseMedian(final String scenario, final BenchSystem system, final String phase)
    {
        final double[] rates = runs.stream().filter(r -> r.scenario().equals(scenario) && r.system() == system &&
            r.error() == null && r.phase().equals(phase)).mapToDouble(BenchmarkRunner.Run::rate).toArray();
        return rates.length == 0 ? "-" : millions(median(rates)) + " (" + rates.length + ")";
    }

    private double medianRate(final String scenario, final BenchSystem system)
    {
        final double[] rates = rates(scenario, system);
        return rates.length == 0 ? Double.NaN : median(rates);
    }

    /**
     * The histogram of the median round by p50: this shared machine has slow and fast phases, and merging rounds
     * would mix them into one wide distribution.
     */
    private Histogram merged(final String scenario, final BenchSystem system)
    {
        final List<Histogram> rounds = new ArrayList<>();
        for (final BenchmarkRunner.Run run : runs)
        {
            if (run.scenario().equals(scenario) && run.system() == system && run.histogram() != null)
            {
                rounds.add(run.histogram());
            }
        }
        if (rounds.isEmpty())
        {
            return null;
        }
        rounds.sort(Comparator.comparingLong(h -> h.getValueAtPercentile(50)));
        return rounds.get((rounds.size() - 1) / 2);
    }

    /**
     * Throughput of {@code a} over {@code b}, the median over all same-phase pairs (see {@link #ratios}).
     */
    private double rateRatio(final String scenario, final BenchSystem a, final BenchSystem b)
    {
        return medianOfAll(rateRatios(scenario, a, b));
    }

    /**
     * Round-trip p50 of {@code a} over that of {@code b}, the median over all same-phase pairs (lower: a is faster).
     */
    private double p50Ratio(final String scenario, final BenchSystem a, final BenchSystem b)
    {
        return medianOfAll(p50Ratios(scenario, a, b));
    }

    Map<String, double[]> rateRatios(final String scenario, final BenchSystem a, final BenchSystem b)
    {
        return ratios(scenario, a, b, (x, y) -> x.rate() / y.rate());
    }

    private Map<String, double[]> p50Ratios(final String scenario, final BenchSystem a, final BenchSystem b)
    {
        return ratios(scenario, a, b,
            (x, y) -> (double)x.histogram().getValueAtPercentile(50) / y.histogram().getValueAtPercentile(50));
    }

    /**
     * The ratio between the runs of {@code a} and {@code b} in each round where both were measured in the same
     * phase of the machine, grouped by phase. Runs of one round are close in time, and the phase (see
     * {@link PhaseProbe}) moves every system several fold: a ratio of overall medians would compare runs made at
     * different speeds.
     */
    private Map<String, double[]> ratios(final String scenario, final BenchSystem a, final BenchSystem b,
        final ToDoubleBiFunction<BenchmarkRunner.Run, BenchmarkRunner.Run> ratio)
    {
        return ratios(scenario, a, b, ratio, false);
    }

    /**
     * As {@link #ratios(String, BenchSystem, BenchSystem, java.util.function.ToDoubleBiFunction)}; with
     * {@code anyPhase}, pairs every round under the phase of {@code a}'s run (for a single-core baseline).
     */
    private Map<String, double[]> ratios(final String scenario, final BenchSystem a, final BenchSystem b,
        final ToDoubleBiFunction<BenchmarkRunner.Run, BenchmarkRunner.Run> ratio,
        final boolean anyPhase)
    {
        final Map<String, List<Double>> byPhase = new TreeMap<>();
        for (int round = 0; round < rounds; round++)
        {
            final BenchmarkRunner.Run x = measured(scenario, a, round);
            final BenchmarkRunner.Run y = measured(scenario, b, round);
            if (x != null && y != null && (anyPhase || x.phase().equals(y.phase()) && !"mixed".equals(x.phase())))
            {
                byPhase.computeIfAbsent(x.phase(), phase -> new ArrayList<>()).add(ratio.applyAsDouble(x, y));
            }
        }
        final Map<String, double[]> result = new LinkedHashMap<>();
        byPhase.forEach((phase, values) -> result.put(phase, values.stream().mapToDouble(Double::doubleValue).toArray()));
        return result;
    }

    /**
     * A ratio for a table cell: "-" when no round measured both systems in one phase.
     */
    private static String ratioText(final double ratio)
    {
        return Double.isNaN(ratio) ? "- (no same-phase pair)" : fmt("%.2f", ratio);
    }

    private static double medianOfAll(final Map<String, double[]> byPhase)
    {
        final double[] all = byPhase.values().stream().flatMapToDouble(Arrays::stream).toArray();
        return all.length == 0 ? Double.NaN : median(all);
    }

    private BenchmarkRunner.Run measured(final String scenario, final BenchSystem system, final int round)
    {
        for (final BenchmarkRunner.Run run : runs)
        {
            if (run.scenario().equals(scenario) && run.system() == system && run.round() == round &&
                run.error() == null && (run.histogram() != null || run.rate() > 0))
            {
                return run;
            }
        }
        return null;
    }

    static double median(final double[] sorted)
    {
        final double[] copy = Arrays.copyOf(sorted, sorted.length);
        Arrays.sort(copy);
        final int middle = copy.length / 2;
        return copy.length % 2 == 1 ? copy[middle] : (copy[middle - 1] + copy[middle]) / 2;
    }

    private static String describe(final String scenario)
    {
        if (scenario.startsWith("mpsc"))
        {
            final int producers = scenario.charAt(4) - '0';
            return "MPSC, " + producers + " producer" + (producers > 1 ? "s" : "") + ", 32 B messages";
        }
        return "one producer, one consumer, " + sizeName(Integer.parseInt(scenario.substring(5))) + " messages";
    }

    static String sizeName(final int size)
    {
        return size >= 1024 ? (size / 1024) + " KiB" : size + " B";
    }

    private static String millions(final double rate)
    {
        return Double.isNaN(rate) ? "-" : rate >= 1e6 ? fmt("%.2f M", rate / 1e6) : fmt("%,.0f k", rate / 1e3);
    }

    static String fmt(final String format, final Object... args)
    {
        return String.format(Locale.ROOT, format, args);
    }

    void line(final String format, final Object... args)
    {
        md.append(args.length == 0 ? format : fmt(format, args)).append('\n');
    }
}
