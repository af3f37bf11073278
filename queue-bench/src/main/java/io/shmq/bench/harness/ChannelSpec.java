package io.shmq.bench.harness;

import java.nio.file.Path;

/**
 * Where one one-way channel of a run lives, passed to child JVMs as
 * {@code system:name:maxLength:capacity:extra}.
 *
 * @param system    the system under test.
 * @param name      a name unique to the run (queue name, file, socket, stream).
 * @param maxLength largest payload.
 * @param capacity  data capacity of a ring (shmq, Agrona), a power of two; unused by the others.
 * @param extra     system-specific: a TCP port, the Aeron directory, or empty.
 */
record ChannelSpec(BenchSystem system, String name, int maxLength, int capacity, String extra)
{
    /** Directory of every file a run creates. */
    static final Path DIRECTORY = Path.of("/dev/shm");

    static ChannelSpec parse(final String text)
    {
        final String[] parts = text.split(":", 5);
        return new ChannelSpec(BenchSystem.valueOf(parts[0]), parts[1], Integer.parseInt(parts[2]),
            Integer.parseInt(parts[3]), parts[4]);
    }

    String format()
    {
        return system.name() + ":" + name + ":" + maxLength + ":" + capacity + ":" + extra;
    }

    /**
     * A file (or directory, or socket) in {@code /dev/shm} for this channel.
     *
     * @param suffix what kind of file.
     * @return its path.
     */
    Path file(final String suffix)
    {
        return DIRECTORY.resolve("shmq-bench-" + name + suffix);
    }
}
