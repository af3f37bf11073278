package io.shmq.bench.slices;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

/**
 * Compares the hot path of two builds of queue-core by paired slices: in each JVM fork, each build's copy of
 * {@link RingOpsWorkload} runs on one thread for a slice (100 ms by default) in turn, beside a second copy of the
 * baseline (A'), so every round gives a ratio B/A and a noise ratio A'/A measured within a third of a second. The
 * VM's phase flips and frequency changes move both sides of a ratio alike; within one fork the ratios of the rounds
 * agree to a fraction of a per cent.
 *
 * <p>What they do not remove is the JIT: two copies of the same classes, compiled in one JVM, can differ by a third
 * (A'/A of 1.33 and 1.52 were seen here on 32 B claims), and the copy warmed up first wins (when A always ran first
 * in the warm-up rounds, A'/A had a median of 1.15-1.30 at 32 B, whatever the load order). So a fork gives one
 * sample, its median over its rounds; the forks rotate the order in which the three copies are loaded and warmed,
 * so that over three forks each copy comes first, second and third once; and the comparison is the geometric mean
 * of B/A over each such triple of forks against that of A'/A, which cancels the order.
 *
 * <p>The workloads' objects are moved into the old generation (two {@code System.gc()} calls) before the slices,
 * as a long-running service's are: a hot path that stores references pays G1's full write barrier there.
 *
 * <p>Each build gets a class loader of its own (its {@code io.shmq} classes from its jar, everything else, Agrona
 * included, loaded again from this harness's class path), so the JIT compiles and profiles each copy apart. The
 * order within a round rotates, so no contender always runs first.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp queue-bench/target/benchmarks.jar \
 *     io.shmq.bench.slices.JarPairSlices --a OLD/queue-core.jar --b NEW/queue-core.jar [--forks 30]
 *     [--rounds 15] [--slice-ms 100] [--warmup-rounds 10] [--kinds SPSC,MPSC] [--ops offerRead,claimCommitRead]
 *     [--sizes 32,1024]
 * </pre>
 */
public final class JarPairSlices
{
    private static final String USAGE = "usage: JarPairSlices --a BASELINE_QUEUE_CORE_JAR --b CANDIDATE_QUEUE_CORE_JAR" +
        " [--forks N] [--rounds N] [--slice-ms MS] [--warmup-rounds N] [--kinds SPSC,MPSC] [--ops offerRead,claimCommitRead]" +
        " [--sizes 32,1024]";

    private JarPairSlices()
    {
    }

    /**
     * Runs the comparison.
     *
     * @param args see the class comment.
     * @throws Exception when a workload cannot be loaded or run.
     */
    public static void main(final String[] args) throws Exception
    {
        final Options options;
        try
        {
            options = Options.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("JarPairSlices: " + ex.getMessage());
            System.err.println(USAGE);
            System.exit(64);
            return;
        }
        final PrintStream out = System.out;
        if (options.child)
        {
            for (final String kind : options.kinds)
            {
                for (final String op : options.ops)
                {
                    for (final int size : options.sizes)
                    {
                        final Result result = compare(options, kind, op, size, options.rotation);
                        out.printf(Locale.ROOT, "RESULT %s %s %d %.4f %.4f %.5f %.5f%n", kind, op, size,
                            result.aNanos, result.bNanos, result.bOverA, result.aaOverA);
                    }
                }
            }
            return;
        }
        out.printf(Locale.ROOT, "paired slices: A=%s B=%s; %d JVM forks, each %d rounds of %d ms slices (A, B, A' " +
            "in rotating order; the load order rotating by fork) after %d warm-up rounds; java %s%n",
            options.a, options.b, options.forks,
            options.rounds, options.sliceMillis, options.warmupRounds, System.getProperty("java.version"));
        final Map<String, List<Result>> results = new LinkedHashMap<>();
        for (int fork = 0; fork < options.forks; fork++)
        {
            for (final String line : runFork(args, fork % 3))
            {
                final String[] field = line.split(" ");
                results.computeIfAbsent(field[1] + " | " + field[2] + " | " + field[3], key -> new ArrayList<>())
                    .add(new Result(Double.parseDouble(field[4]), Double.parseDouble(field[5]),
                    Double.parseDouble(field[6]), Double.parseDouble(field[7])));
            }
            System.err.printf(Locale.ROOT, "fork %d of %d done%n", fork + 1, options.forks);
        }
        out.println();
        out.println("Per fork: the median over its rounds. Per triple of forks (each copy loaded first, second and " +
            "third once): the geometric mean of its forks. Across triples (and across forks): median [min, max]. " +
            "A'/A is the same jar in another class loader: the spread a JIT compilation alone gives.");
        out.println();
        out.println("| kind | operation | size | A ns/op | B ns/op | B/A by triple | A'/A by triple | B/A by fork | " +
            "A'/A by fork |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        for (final Map.Entry<String, List<Result>> entry : results.entrySet())
        {
            final List<Result> forks = entry.getValue();
            final double[] bOverA = forks.stream().mapToDouble(r -> r.bOverA).toArray();
            final double[] aaOverA = forks.stream().mapToDouble(r -> r.aaOverA).toArray();
            out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s | %s | %s |%n", entry.getKey(),
                median(forks.stream().mapToDouble(r -> r.aNanos).toArray()),
                median(forks.stream().mapToDouble(r -> r.bNanos).toArray()),
                spread(byTriple(bOverA)), spread(byTriple(aaOverA)), spread(bOverA), spread(aaOverA));
        }
    }

    /**
     * The geometric mean of each whole triple of forks (all of them when fewer than three ran).
     */
    private static double[] byTriple(final double[] perFork)
    {
        if (perFork.length < 3)
        {
            return perFork;
        }
        final double[] triples = new double[perFork.length / 3];
        for (int t = 0; t < triples.length; t++)
        {
            triples[t] = Math.cbrt(perFork[3 * t] * perFork[3 * t + 1] * perFork[3 * t + 2]);
        }
        return triples;
    }

    /**
     * Runs one fork: this class in a fresh JVM, on the same class path, with the same options.
     */
    private static List<String> runFork(final String[] args, final int rotation)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
        // A JVM pinned to one CPU would pick the serial collector; services run G1, whose barriers differ.
        command.add("-XX:+UseG1GC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JarPairSlices.class.getName());
        command.addAll(Arrays.asList(args));
        command.add("--child");
        command.add("true");
        command.add("--rotation");
        command.add(Integer.toString(rotation));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final List<String> results = new ArrayList<>();
        final StringBuilder output = new StringBuilder();
        try (java.io.BufferedReader reader = process.inputReader())
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                output.append(line).append('\n');
                if (line.startsWith("RESULT "))
                {
                    results.add(line);
                }
            }
        }
        final int exit = process.waitFor();
        if (exit != 0)
        {
            throw new IllegalStateException("a fork exited with " + exit + ":\n" + output);
        }
        return results;
    }

    private static String spread(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", median(sorted), sorted[0], sorted[sorted.length - 1]);
    }

    private static Result compare(
        final Options options, final String kind, final String op, final int size, final int rotation) throws Exception
    {
        final String base = "slices-" + ProcessHandle.current().pid() + "-";
        final Path[] jars = {options.a, options.b, options.a};
        final String[] names = {"a", "b", "a2"};
        final LongUnaryOperator[] contenders = new LongUnaryOperator[3];
        try
        {
            // Rotation 0 loads A, B, A'; 1 loads B, A', A; 2 loads A', A, B.
            for (int k = 0; k < 3; k++)
            {
                final int which = (rotation + k) % 3;
                contenders[which] = load(jars[which], base + names[which], kind, op, size);
            }
            // Into the old generation, where a long-running service's queues and claims are: G1's write barrier
            // costs more there (a reference stored across regions into an old object pays a StoreLoad fence).
            System.gc();
            System.gc();
            final long slice = TimeUnit.MILLISECONDS.toNanos(options.sliceMillis);
            for (int round = 0; round < options.warmupRounds; round++)
            {
                // The copy warmed first ran a fifth faster at 32 B in every fork: the order rotates with the fork.
                for (int k = 0; k < 3; k++)
                {
                    nanosPerStep(contenders[(rotation + k) % 3], slice);
                }
            }
            final double[][] nanos = new double[3][options.rounds];
            final double[] bOverA = new double[options.rounds];
            final double[] aaOverA = new double[options.rounds];
            for (int round = 0; round < options.rounds; round++)
            {
                for (int k = 0; k < 3; k++)
                {
                    final int which = (round + k) % 3;
                    nanos[which][round] = nanosPerStep(contenders[which], slice);
                }
                bOverA[round] = nanos[1][round] / nanos[0][round];
                aaOverA[round] = nanos[2][round] / nanos[0][round];
            }
            return new Result(median(nanos[0]), median(nanos[1]), median(bOverA), median(aaOverA));
        }
        finally
        {
            for (final LongUnaryOperator contender : contenders)
            {
                if (contender != null)
                {
                    ((AutoCloseable)contender).close();
                }
            }
        }
    }

    private static double nanosPerStep(final LongUnaryOperator contender, final long slice)
    {
        final long start = System.nanoTime();
        final long steps = contender.applyAsLong(slice);
        return (System.nanoTime() - start) / (double)steps;
    }

    private static LongUnaryOperator load(
        final Path jar, final String name, final String kind, final String op, final int size) throws Exception
    {
        final ClassLoader loader = new BuildLoader(jar, JarPairSlices.class.getClassLoader());
        final Class<?> type = loader.loadClass(RingOpsWorkload.class.getName());
        return (LongUnaryOperator)type.getConstructor(String.class, String.class, String.class, int.class)
            .newInstance(name, kind, op, size);
    }

    private static double median(final double[] values)
    {
        return quantile(values, 0.5);
    }

    private static double quantile(final double[] values, final double q)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final double at = q * (sorted.length - 1);
        final int below = (int)Math.floor(at);
        final int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
    }

    /**
     * Loads {@code io.shmq} classes from one build's queue-core jar and everything else (Agrona, this package's
     * workload) afresh from the harness's class path, so that two builds share no class but the JDK's.
     */
    private static final class BuildLoader extends ClassLoader
    {
        private static final String WORKLOAD_PACKAGE = RingOpsWorkload.class.getPackageName() + ".";

        private final java.util.jar.JarFile jar;
        private final ClassLoader harness;

        BuildLoader(final Path jar, final ClassLoader harness) throws IOException
        {
            super("build " + jar, ClassLoader.getPlatformClassLoader());
            this.jar = new java.util.jar.JarFile(jar.toFile());
            this.harness = harness;
        }

        @Override
        protected Class<?> findClass(final String name) throws ClassNotFoundException
        {
            final String resource = name.replace('.', '/') + ".class";
            try (InputStream in = open(name, resource))
            {
                if (in == null)
                {
                    throw new ClassNotFoundException(name + " (not in " + jar.getName() + ")");
                }
                final byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            }
            catch (final IOException ex)
            {
                throw new ClassNotFoundException(name, ex);
            }
        }

        private InputStream open(final String name, final String resource) throws IOException
        {
            if (name.startsWith("io.shmq.") && !name.startsWith(WORKLOAD_PACKAGE))
            {
                final java.util.jar.JarEntry entry = jar.getJarEntry(resource);
                return entry == null ? null : jar.getInputStream(entry);
            }
            return harness.getResourceAsStream(resource);
        }
    }

    private static final class Result
    {
        final double aNanos;
        final double bNanos;
        final double bOverA;
        final double aaOverA;

        Result(final double aNanos, final double bNanos, final double bOverA, final double aaOverA)
        {
            this.aNanos = aNanos;
            this.bNanos = bNanos;
            this.bOverA = bOverA;
            this.aaOverA = aaOverA;
        }
    }

    private static final class Options
    {
        boolean child;
        int forks = 30;
        int rotation;
        Path a;
        Path b;
        int rounds = 15;
        int sliceMillis = 100;
        int warmupRounds = 10;
        List<String> kinds = List.of("SPSC", "MPSC");
        List<String> ops = List.of("offerRead", "claimCommitRead");
        List<Integer> sizes = List.of(32, 1024);

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            for (int i = 0; i < args.length; i++)
            {
                final String flag = args[i];
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                final String value = args[++i];
                switch (flag)
                {
                    case "--a" -> options.a = jar(value);
                    case "--b" -> options.b = jar(value);
                    case "--rounds" -> options.rounds = positive(flag, value);
                    case "--forks" -> options.forks = positive(flag, value);
                    case "--child" -> options.child = Boolean.parseBoolean(value);
                    case "--rotation" -> options.rotation = nonNegative(flag, value) % 3;
                    case "--slice-ms" -> options.sliceMillis = positive(flag, value);
                    case "--warmup-rounds" -> options.warmupRounds = nonNegative(flag, value);
                    case "--kinds" -> options.kinds = List.of(value.toUpperCase(Locale.ROOT).split(","));
                    case "--ops" -> options.ops = List.of(value.split(","));
                    case "--sizes" -> options.sizes = sizes(value);
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (options.a == null || options.b == null)
            {
                throw new IllegalArgumentException("--a and --b are required");
            }
            return options;
        }

        private static Path jar(final String value)
        {
            final Path path = Path.of(value);
            if (!Files.isRegularFile(path))
            {
                throw new IllegalArgumentException("no such jar: " + value);
            }
            return path;
        }

        private static int nonNegative(final String flag, final String value)
        {
            return "0".equals(value) ? 0 : positive(flag, value);
        }

        private static int positive(final String flag, final String value)
        {
            try
            {
                final int parsed = Integer.parseInt(value);
                if (parsed > 0)
                {
                    return parsed;
                }
            }
            catch (final NumberFormatException ignored)
            {
                // Reported below.
            }
            throw new IllegalArgumentException(flag + " must be a positive number, not '" + value + "'");
        }

        private static List<Integer> sizes(final String value)
        {
            final List<Integer> sizes = new ArrayList<>();
            for (final String size : value.split(","))
            {
                final int parsed = positive("--sizes", size);
                if (parsed > 4096)
                {
                    throw new IllegalArgumentException("--sizes: at most 4096 bytes, not " + parsed);
                }
                sizes.add(parsed);
            }
            return sizes;
        }
    }
}
