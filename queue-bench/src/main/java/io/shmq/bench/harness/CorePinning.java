package io.shmq.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pins a whole running process (every thread it has; threads it starts later inherit the mask) to one CPU with
 * {@code taskset}: how the reports put client and server each on a core of their own, the placement that does not
 * depend on where the scheduler happens to queue a woken thread.
 */
public final class CorePinning
{
    private static final Path TASKSET = Path.of("/usr/bin/taskset");
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private CorePinning()
    {
    }

    /**
     * Whether pinning is possible here: {@code taskset} is installed and there are at least two CPUs.
     *
     * @return true when {@link #pin} can work.
     */
    public static boolean available()
    {
        return Files.isExecutable(TASKSET) && Files.isReadable(ONLINE) &&
            Runtime.getRuntime().availableProcessors() >= 2;
    }

    /**
     * A command that runs {@code command} on one CPU.
     *
     * @param cpu     the CPU's number.
     * @param command the command.
     * @return {@code taskset -c CPU} and the command.
     */
    public static List<String> onCpu(final int cpu, final List<String> command)
    {
        final List<String> pinned = new ArrayList<>(prefix(cpu));
        pinned.addAll(command);
        return pinned;
    }

    /**
     * What goes before a command to run it on one CPU.
     *
     * @param cpu the CPU's number.
     * @return {@code taskset -c CPU}.
     */
    public static List<String> prefix(final int cpu)
    {
        return List.of(TASKSET.toString(), "-c", Integer.toString(cpu));
    }

    /**
     * Pins every thread of a running process to one CPU.
     *
     * @param pid the process.
     * @param cpu the CPU's number.
     * @throws IOException          when taskset cannot be run or fails.
     * @throws InterruptedException when interrupted while waiting for it.
     */
    public static void pin(final long pid, final int cpu) throws IOException, InterruptedException
    {
        setAffinity(pid, Integer.toString(cpu));
    }

    /**
     * The machine's phase ({@link PhaseProbe}), probed with this process free to use every CPU, then pinned back to
     * {@code cpu}: the probe's two threads pass a word between two CPUs, and on one they would take turns by time
     * slice.
     *
     * @param cpu the CPU this process is pinned to, or -1 when it is not pinned.
     * @return "fast" or "slow".
     * @throws IOException          when taskset fails.
     * @throws InterruptedException when interrupted while waiting for it.
     */
    public static String probePhase(final int cpu) throws IOException, InterruptedException
    {
        if (cpu < 0)
        {
            return PhaseProbe.phaseOf(PhaseProbe.roundTripNanos());
        }
        final long self = ProcessHandle.current().pid();
        // Not availableProcessors(): the JVM answers it from this process's (pinned) mask.
        setAffinity(self, Files.readString(ONLINE).trim());
        try
        {
            return PhaseProbe.phaseOf(PhaseProbe.roundTripNanos());
        }
        finally
        {
            pin(self, cpu);
        }
    }

    private static void setAffinity(final long pid, final String cpus) throws IOException, InterruptedException
    {
        // taskset -a fails when a thread it listed exits before it is set (the JVM starts and ends compiler
        // threads as it pleases): try again.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            final Process taskset = new ProcessBuilder(TASKSET.toString(), "-a", "-p", "-c", cpus,
                Long.toString(pid)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (taskset.waitFor(10, TimeUnit.SECONDS) && taskset.exitValue() == 0)
            {
                return;
            }
            taskset.destroyForcibly();
        }
        throw new IOException("taskset could not pin process " + pid + " to CPUs " + cpus);
    }
}
