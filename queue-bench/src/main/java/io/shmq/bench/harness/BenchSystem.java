package io.shmq.bench.harness;

import java.util.Arrays;

/**
 * Every system measured by the harness, with what it can be measured in.
 */
enum BenchSystem
{
    /** shmq SPSC ring in a tmpfs file, both sides busy-spinning. */
    SHMQ_SPSC("shmq SPSC (tmpfs)", true, false, true),
    /** shmq MPSC ring in a tmpfs file. */
    SHMQ_MPSC("shmq MPSC (tmpfs)", true, true, true),
    /** shmq SPSC ring in a 2 MiB huge-page SysV segment. */
    SHMQ_SPSC_HUGE("shmq SPSC (huge pages)", true, false, true),
    /** shmq SPSC ring; the receiver sleeps on the futex doorbell whenever it finds the ring empty. */
    SHMQ_SPSC_FUTEX("shmq SPSC (futex sleep, no spin)", true, false, true),
    /** Agrona OneToOneRingBuffer over a /dev/shm file. */
    AGRONA_O2O("Agrona OneToOneRingBuffer", true, false, true),
    /** Agrona ManyToOneRingBuffer over a /dev/shm file. */
    AGRONA_M2O("Agrona ManyToOneRingBuffer", true, true, true),
    /** Aeron IPC, exclusive publication (concurrent publication for many producers). */
    AERON_IPC("Aeron IPC", true, true, true),
    /** Chronicle Queue in /dev/shm. */
    CHRONICLE("Chronicle Queue", true, false, true),
    /** Unix domain stream socket. */
    UDS("Unix domain socket", true, false, true),
    /** TCP on 127.0.0.1. */
    TCP("TCP loopback", true, false, true),
    /** Two processes ping-ponging one 64-bit word in one shared cache line: the latency floor. */
    CACHE_LINE("floor: one shared cache line", false, false, true),
    /** Single-core memory copy: the ceiling for large-message throughput. */
    MEMCPY("ceiling: single-core memcpy", true, false, false);

    private final String label;
    private final boolean throughput;
    private final boolean manyProducers;
    private final boolean latency;

    BenchSystem(final String label, final boolean throughput, final boolean manyProducers, final boolean latency)
    {
        this.label = label;
        this.throughput = throughput;
        this.manyProducers = manyProducers;
        this.latency = latency;
    }

    String label()
    {
        return label;
    }

    boolean measuresThroughput()
    {
        return throughput;
    }

    boolean takesManyProducers()
    {
        return manyProducers;
    }

    boolean measuresLatency()
    {
        return latency;
    }

    /**
     * The system named on the command line.
     *
     * @param name an enum constant's name, any case.
     * @return the system.
     * @throws IllegalArgumentException naming the systems there are.
     */
    static BenchSystem parse(final String name)
    {
        for (final BenchSystem system : values())
        {
            if (system.name().equalsIgnoreCase(name.trim()))
            {
                return system;
            }
        }
        throw new IllegalArgumentException("no system '" + name + "'; the systems: " +
            Arrays.toString(values()));
    }

    boolean isShmq()
    {
        return name().startsWith("SHMQ");
    }
}
