package io.shmq.bench.harness;

import io.shmq.bench.Machine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The report of a {@code --sweep} run: for each phase of the machine, shmq's same-round ratio to each peer at every
 * point of the grid, the points below the floors, the medians per configuration and one throughput-vs-size plot per
 * configuration.
 */
final class SweepReport
{
    private static final String[] PHASES = { "fast", "slow" };

    /**
     * A comparison the report makes at every point, and the ratio below which a point is listed.
     */
    private record Comparison(BenchSystem shmq, BenchSystem peer, double floor)
    {
        String title()
        {
            return shmq.label() + " / " + peer.label();
        }
    }

    private static final Comparison[] COMPARISONS = {
        new Comparison(BenchSystem.SHMQ_SPSC, BenchSystem.AGRONA_O2O, 1.2),
        new Comparison(BenchSystem.SHMQ_SPSC, BenchSystem.AERON_IPC, 1.0),
        new Comparison(BenchSystem.SHMQ_MPSC, BenchSystem.AGRONA_M2O, 1.5),
        new Comparison(BenchSystem.SHMQ_SPSC, BenchSystem.UDS, 10.0),
        new Comparison(BenchSystem.SHMQ_SPSC_HUGE, BenchSystem.AGRONA_O2O, 1.2) };

    private final List<BenchmarkRunner.Run> runs;
    private final int rounds;
    private final Sweep sweep;
    private final Path results;
    private final double seconds;
    private final Report base;

    SweepReport(final List<BenchmarkRunner.Run> runs, final int rounds, final Sweep sweep, final Path results,
        final double seconds)
    {
        this.runs = runs;
        this.rounds = rounds;
        this.sweep = sweep;
        this.results = results;
        this.seconds = seconds;
        this.base = new Report(runs, rounds, sweep.quick(), results, seconds);
    }

    void write() throws IOException
    {
        base.line("# shmq throughput sweep (%s grid)", sweep.quick() ? "quick" : "full");
        base.line("");
        base.line("%s; %s, %d cores; %s %s; kernel %s. %d round(s), systems interleaved at each point; %.0f s in all.",
            LocalDate.now(), Machine.cpuModel(), Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"), System.getProperty("java.version"), System.getProperty("os.version"),
            rounds, seconds);
        base.line("");
        base.line("Each side in its own JVM, both busy-spinning, one send per message, one producer. 'pinned': " +
            "sender on CPU 0, receiver on CPU 1 (taskset); 'unpinned': both left to the scheduler. Receivers: " +
            "'seq' reads the sequence number in the first and last 8 bytes of every message; 'sum' also " +
            "checksums every payload byte. Rings (shmq, Agrona) get the capacity the configuration names; " +
            "Aeron IPC keeps its default term length (its messages above the MTU are reassembled by a " +
            "FragmentAssembler) and the Unix socket its default buffers. Each ratio is the median over rounds " +
            "of the ratio of two runs of the same point, round and phase (runs during which the phase " +
            "changed are left out).");
        base.line("");
        ratioTables();
        belowFloors();
        throughputTables();
        base.failures();
        base.save();
    }

    private void ratioTables()
    {
        for (final String phase : PHASES)
        {
            base.line("## %s phase: shmq / peer, same round", capitalised(phase));
            base.line("");
            for (final Comparison comparison : COMPARISONS)
            {
                final Map<String, Map<Integer, double[]>> byConfiguration = ratiosByConfiguration(comparison, phase);
                if (byConfiguration.isEmpty())
                {
                    continue;
                }
                final List<Integer> sizes = sizes();
                base.line("**%s** (listed below when under %.1f)", comparison.title(), comparison.floor());
                base.line("");
                final StringBuilder header = new StringBuilder("| configuration |");
                final StringBuilder rule = new StringBuilder("|---|");
                for (final int size : sizes)
                {
                    header.append(' ').append(Report.sizeName(size)).append(" |");
                    rule.append("---|");
                }
                base.line(header.toString());
                base.line(rule.toString());
                for (final Map.Entry<String, Map<Integer, double[]>> row : byConfiguration.entrySet())
                {
                    final StringBuilder line = new StringBuilder("| ").append(row.getKey()).append(" |");
                    for (final int size : sizes)
                    {
                        final double[] ratios = row.getValue().get(size);
                        line.append(' ').append(ratios == null ? "" : Report.fmt("%.2f", Report.median(ratios)))
                            .append(" |");
                    }
                    base.line(line.toString());
                }
                base.line("");
            }
        }
    }

    private void belowFloors()
    {
        base.line("## Points below the floors");
        base.line("");
        final List<String> below = new ArrayList<>();
        for (final String phase : PHASES)
        {
            for (final Comparison comparison : COMPARISONS)
            {
                ratiosByConfiguration(comparison, phase).forEach((configuration, bySize) -> bySize.forEach(
                    (size, ratios) ->
                    {
                        final double median = Report.median(ratios);
                        final double min = Arrays.stream(ratios).min().orElse(Double.NaN);
                        if (median < comparison.floor() || min < 1.0)
                        {
                            below.add(Report.fmt("- %s phase, %s, %s: %s median %.2f (under %.1f), lowest " +
                                "round %.2f", phase, configuration, Report.sizeName(size), comparison.title(),
                                median, comparison.floor(), min));
                        }
                    }));
            }
        }
        if (below.isEmpty())
        {
            base.line("None: every same-phase pair is at or above its floor, and no round is below 1.0.");
        }
        else
        {
            below.forEach(base::line);
        }
        base.line("");
    }

    private void throughputTables() throws IOException
    {
        base.line("## Throughput by configuration (M msgs/s, median of the rounds in each phase: fast / slow)");
        base.line("");
        for (final String configuration : configurations())
        {
            final List<BenchSystem> systems = systemsIn(configuration);
            base.line("### %s", configuration);
            base.line("");
            final StringBuilder header = new StringBuilder("| size |");
            final StringBuilder rule = new StringBuilder("|---|");
            for (final BenchSystem system : systems)
            {
                header.append(' ').append(system.label()).append(" |");
                rule.append("---|");
            }
            base.line(header.toString());
            base.line(rule.toString());
            for (final int size : sizes())
            {
                final String scenario = scenarioOf(configuration, size);
                if (scenario == null)
                {
                    continue;
                }
                final StringBuilder line = new StringBuilder("| ").append(Report.sizeName(size)).append(" |");
                for (final BenchSystem system : systems)
                {
                    line.append(' ').append(phaseMedian(scenario, system, "fast")).append(" / ")
                        .append(phaseMedian(scenario, system, "slow")).append(" |");
                }
                base.line(line.toString());
            }
            base.line("");
            final String png = "sweep-" + configuration.replaceAll("[^A-Za-z0-9]+", "-") + ".png";
            final Map<String, Map<String, SortedMap<Integer, Double>>> panels = new LinkedHashMap<>();
            for (final String phase : PHASES)
            {
                final Map<String, SortedMap<Integer, Double>> lines = new LinkedHashMap<>();
                for (final BenchSystem system : systems)
                {
                    final SortedMap<Integer, Double> line = new TreeMap<>();
                    for (final int size : sizes())
                    {
                        final String scenario = scenarioOf(configuration, size);
                        final double[] rates = scenario == null ? new double[0] : phaseRates(scenario, system, phase);
                        if (rates.length > 0)
                        {
                            line.put(size, Report.median(rates));
                        }
                    }
                    if (!line.isEmpty())
                    {
                        lines.put(system.label(), line);
                    }
                }
                panels.put(capitalised(phase) + " phase (cores " + (phase.equals("fast") ? "share" : "do not share") +
                    " a cache)", lines);
            }
            ThroughputPlot.write("One-way throughput: " + configuration, panels,
                systems.stream().map(BenchSystem::label).toList(), results.resolve(png));
            base.line("![throughput, %s](%s)", configuration, png);
            base.line("");
        }
    }

    /**
     * Configuration to (size to the same-round, same-phase ratios of the comparison), in grid order.
     */
    private Map<String, Map<Integer, double[]>> ratiosByConfiguration(final Comparison comparison,
        final String phase)
    {
        final Map<String, Map<Integer, double[]>> table = new LinkedHashMap<>();
        for (final Sweep.Point point : sweep.points())
        {
            final double[] ratios = base.rateRatios(point.scenario(), comparison.shmq(), comparison.peer())
                .get(phase);
            if (ratios != null && ratios.length > 0)
            {
                table.computeIfAbsent(point.configuration(), c -> new TreeMap<>()).put(point.size(), ratios);
            }
        }
        return table;
    }

    private List<String> configurations()
    {
        final Set<String> configurations = new LinkedHashSet<>();
        sweep.points().forEach(point -> configurations.add(point.configuration()));
        return new ArrayList<>(configurations);
    }

    private List<Integer> sizes()
    {
        return sweep.points().stream().map(Sweep.Point::size).distinct().sorted().toList();
    }

    private String scenarioOf(final String configuration, final int size)
    {
        for (final Sweep.Point point : sweep.points())
        {
            if (point.size() == size && point.configuration().equals(configuration))
            {
                return point.scenario();
            }
        }
        return null;
    }

    private List<BenchSystem> systemsIn(final String configuration)
    {
        final Set<BenchSystem> systems = new LinkedHashSet<>();
        for (final BenchmarkRunner.Run run : runs)
        {
            if (run.scenario().startsWith("sweep-") &&
                Sweep.Point.parse(run.scenario()).configuration().equals(configuration))
            {
                systems.add(run.system());
            }
        }
        final List<BenchSystem> ordered = new ArrayList<>(systems);
        ordered.sort(Comparator.naturalOrder());
        return ordered;
    }

    private double[] phaseRates(final String scenario, final BenchSystem system, final String phase)
    {
        return runs.stream().filter(r -> r.scenario().equals(scenario) && r.system() == system &&
            r.error() == null && r.phase().equals(phase)).mapToDouble(BenchmarkRunner.Run::rate).toArray();
    }

    private String phaseMedian(final String scenario, final BenchSystem system, final String phase)
    {
        final double[] rates = phaseRates(scenario, system, phase);
        return rates.length == 0 ? "-" : Report.fmt("%.3g", Report.median(rates) / 1e6);
    }

    private static String capitalised(final String phase)
    {
        return Character.toUpperCase(phase.charAt(0)) + phase.substring(1);
    }
}
