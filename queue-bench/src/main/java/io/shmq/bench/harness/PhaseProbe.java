package io.shmq.bench.harness;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells which phase the shared machine is in: two threads of the orchestrator pass one word back and forth for a
 * few milliseconds, and the median round trip is the probe's result.
 *
 * <p>On the VM these benchmarks were written on, that round trip is either about 100-150 ns or about 350-450 ns,
 * and it flips between the two within seconds (the hypervisor moves the two virtual CPUs between cores that share
 * a cache and cores that do not). Every system is several times faster in the fast phase, so a run is compared
 * only with runs of the same round made in the same phase. Run between benchmark runs, when no child spins.
 */
public final class PhaseProbe
{
    /** Round trips above this are the slow phase. */
    static final long SLOW_PHASE_NANOS = 250;

    private static final int WARMUP_ROUNDS = 20_000;
    private static final int ROUNDS = 4_001;

    private PhaseProbe()
    {
    }

    /**
     * Measures the machine's cross-core round trip now.
     *
     * @return the median round trip in nanoseconds.
     */
    public static long roundTripNanos()
    {
        final AtomicLong word = new AtomicLong();
        final int total = WARMUP_ROUNDS + ROUNDS;
        final Thread ponger = new Thread(() ->
        {
            for (long expected = 1; expected < 2L * total; expected += 2)
            {
                while (word.get() != expected)
                {
                    Thread.onSpinWait();
                }
                word.set(expected + 1);
            }
        }, "phase-probe");
        ponger.setDaemon(true);
        ponger.start();
        final long[] samples = new long[ROUNDS];
        for (int round = 0; round < total; round++)
        {
            final long start = System.nanoTime();
            final long ping = 2L * round + 1;
            word.set(ping);
            while (word.get() != ping + 1)
            {
                Thread.onSpinWait();
            }
            if (round >= WARMUP_ROUNDS)
            {
                samples[round - WARMUP_ROUNDS] = System.nanoTime() - start;
            }
        }
        try
        {
            ponger.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        Arrays.sort(samples);
        return samples[ROUNDS / 2];
    }

    /**
     * The phase a round trip belongs to.
     *
     * @param roundTripNanos a probe's result.
     * @return {@code "fast"} or {@code "slow"}.
     */
    public static String phaseOf(final long roundTripNanos)
    {
        return roundTripNanos > SLOW_PHASE_NANOS ? "slow" : "fast";
    }
}
