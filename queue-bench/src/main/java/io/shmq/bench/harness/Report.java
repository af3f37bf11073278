package io.shmq.bench.harness;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
            LocalDate.now(), io.shmq.bench.Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
            System.getProperty("java.version"), System.getProperty("os.version"), rounds, seconds);
        line("");
        line("Each side in its own JVM; sender/pinger pinned to CPU 0, receiver/ponger to CPU 1 (taskset), both " +
            "busy-spinning (except 'futex sleep'); two-producer MPSC runs unpinned (3 spinning processes on 2 " +
            "cores). One send per message; the receiver checks every sequence number and the payload checksum " +
            "of 1 in 1024 messages (every 64 KiB message). Aeron: embedded media driver in the orchestrator, " +
            "SHARED threading mode, BackoffIdleStrategy, default IPC term length; exclusive publication for one " +
            "producer, concurrent publication for MPSC. Chronicle Queue: analytics disabled, appender " +
            "writingDocument / tailer readingDocument. Rings (shmq, Agrona): %d MiB of data.",
            Channels.RING_CAPACITY >> 20);
        line("");

        throughputSection();
        latencySection();
        targetsSection();
        failures();

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
            final double referenceRate = medianRate(scenario, reference);
            line("## Throughput: %s", describe(scenario));
            line("");
            line("| system | median msgs/s | spread (min-max) | MB/s | %s / this |", reference.label());
            line("|---|---|---|---|---|");
            for (final BenchSystem system : systemsOf(scenario))
            {
                final double[] rates = rates(scenario, system);
                if (rates.length == 0)
                {
                    line("| %s | failed | | | |", system.label());
                    continue;
                }
                final double median = median(rates);
                line("| %s | %s | %s - %s | %s | %s |", system.label(), millions(median), millions(rates[0]),
                    millions(rates[rates.length - 1]), fmt("%,.0f", median * size / 1e6),
                    system == reference ? "1" : fmt("%.2f", referenceRate / median));
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
            line("| system | p50 | p90 | p99 | p99.9 | p99.99 | max | p50 / floor p50 |");
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
                    floor == null ? "" : fmt("%.2f", (double)histogram.getValueAtPercentile(50) /
                        floor.getValueAtPercentile(50)));
                try (PrintStream out = new PrintStream(Files.newOutputStream(
                    results.resolve(scenario + "-" + system.name().toLowerCase(Locale.ROOT) + ".hgrm")), true,
                    StandardCharsets.UTF_8))
                {
                    histogram.outputPercentileDistribution(out, 1000.0);
                }
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
        line("| target | measured | verdict |");
        line("|---|---|---|");
        final double spsc32 = medianRate("spsc-32", BenchSystem.SHMQ_SPSC);
        final BenchSystem[] peers = { BenchSystem.AGRONA_O2O, BenchSystem.AERON_IPC, BenchSystem.CHRONICLE,
            BenchSystem.UDS, BenchSystem.TCP };
        double bestPeer = 0;
        String bestName = "";
        for (final BenchSystem peer : peers)
        {
            final double rate = medianRate("spsc-32", peer);
            if (rate > bestPeer)
            {
                bestPeer = rate;
                bestName = peer.label();
            }
        }
        target("SPSC 32 B >= 2 x the best peer", spsc32 / bestPeer, 2.0,
            fmt("%s vs %s %s", millions(spsc32), bestName, millions(bestPeer)));
        final double spsc1k = medianRate("spsc-1024", BenchSystem.SHMQ_SPSC);
        final double agrona1k = medianRate("spsc-1024", BenchSystem.AGRONA_O2O);
        target("SPSC 1 KiB >= 1.2 x Agrona OneToOneRingBuffer", spsc1k / agrona1k, 1.2,
            fmt("%s vs %s", millions(spsc1k), millions(agrona1k)));
        for (final int producers : new int[]{ 1, 2 })
        {
            final String scenario = "mpsc" + producers + "-32";
            final double shmq = medianRate(scenario, BenchSystem.SHMQ_MPSC);
            final double agrona = medianRate(scenario, BenchSystem.AGRONA_M2O);
            final double aeron = medianRate(scenario, BenchSystem.AERON_IPC);
            target("MPSC " + producers + " producer(s) >= 1.5 x Agrona ManyToOneRingBuffer", shmq / agrona, 1.5,
                fmt("%s vs %s", millions(shmq), millions(agrona)));
            target("MPSC " + producers + " producer(s) ahead of Aeron concurrent publication", shmq / aeron, 1.0,
                fmt("%s vs %s", millions(shmq), millions(aeron)));
        }
        final Histogram shmq = merged("rtt-32", BenchSystem.SHMQ_SPSC);
        final Histogram floor = merged("rtt-32", BenchSystem.CACHE_LINE);
        final Histogram aeron = merged("rtt-32", BenchSystem.AERON_IPC);
        final Histogram uds = merged("rtt-32", BenchSystem.UDS);
        if (shmq != null)
        {
            final double p50 = shmq.getValueAtPercentile(50);
            if (floor != null)
            {
                target("RTT p50 (32 B) <= 1.3 x the cache-line floor (ratio, lower is better)",
                    1.3 / (p50 / floor.getValueAtPercentile(50)), 1.0,
                    fmt("%,.0f ns vs floor %,d ns = %.2f x", p50, floor.getValueAtPercentile(50),
                        p50 / floor.getValueAtPercentile(50)));
            }
            if (aeron != null)
            {
                target("RTT p50 below Aeron's", aeron.getValueAtPercentile(50) / p50, 1.0,
                    fmt("%,.0f ns vs %,d ns", p50, aeron.getValueAtPercentile(50)));
            }
            target("RTT p99 <= 2 x shmq's own p50", 2 * p50 / shmq.getValueAtPercentile(99), 1.0,
                fmt("p99 %,d ns, p50 %,.0f ns", shmq.getValueAtPercentile(99), p50));
            if (uds != null)
            {
                target("RTT p50 >= 20 x lower than a Unix domain socket", uds.getValueAtPercentile(50) / p50 / 20,
                    1.0, fmt("%,.0f ns vs %,d ns = %.0f x", p50, uds.getValueAtPercentile(50),
                    uds.getValueAtPercentile(50) / p50));
            }
        }
        final double big = medianRate("spsc-65536", BenchSystem.SHMQ_SPSC);
        final double memcpy = medianRate("spsc-65536", BenchSystem.MEMCPY);
        target("64 KiB >= half the memcpy bandwidth", big / memcpy / 0.5, 1.0,
            fmt("%,.0f MB/s vs memcpy %,.0f MB/s = %.0f %%", big * 65536 / 1e6, memcpy * 65536 / 1e6,
                100 * big / memcpy));
        line("");
        line("Allocation per operation is measured by JMH: `java -jar queue-bench/target/benchmarks.jar " +
            "RingOperationsBenchmark -prof gc`.");
        line("");
    }

    private void target(final String what, final double ratio, final double pass, final String measured)
    {
        if (Double.isNaN(ratio) || Double.isInfinite(ratio))
        {
            line("| %s | not measured | - |", what);
            return;
        }
        line("| %s | %s | %s |", what, measured, ratio >= pass ? "met" : fmt("short (%.2f of target)", ratio / pass));
    }

    private void failures()
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

    private void writeCsv() throws IOException
    {
        final StringBuilder csv = new StringBuilder("scenario,system,round,rate,p50,p99,error\n");
        for (final BenchmarkRunner.Run run : runs)
        {
            csv.append(run.scenario()).append(',').append(run.system().name()).append(',').append(run.round() + 1)
                .append(',').append(Double.isNaN(run.rate()) ? "" : fmt("%.0f", run.rate())).append(',')
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
        rounds.sort(java.util.Comparator.comparingLong(h -> h.getValueAtPercentile(50)));
        return rounds.get((rounds.size() - 1) / 2);
    }

    private static double median(final double[] sorted)
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

    private static String sizeName(final int size)
    {
        return size >= 1024 ? (size / 1024) + " KiB" : size + " B";
    }

    private static String millions(final double rate)
    {
        return Double.isNaN(rate) ? "-" : rate >= 1e6 ? fmt("%.2f M", rate / 1e6) : fmt("%,.0f k", rate / 1e3);
    }

    private static String fmt(final String format, final Object... args)
    {
        return String.format(Locale.ROOT, format, args);
    }

    private void line(final String format, final Object... args)
    {
        md.append(args.length == 0 ? format : fmt(format, args)).append('\n');
    }
}
