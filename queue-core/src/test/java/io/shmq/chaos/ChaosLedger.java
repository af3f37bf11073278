package io.shmq.chaos;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Shared state of a chaos run, in a mapped file so that it survives {@code kill -9} of any process:
 * <pre>
 *   0                 8                 16                24                32          64
 *   +-----------------+-----------------+-----------------+-----------------+-----------+
 *   | stop requested  | longest stall ns| redelivered     | lost            | duplicates| pause |  control line
 *   +-----------------+-----------------+-----------------+-----------------+-----------+
 *   64 + 16 * id: | committed (last seq the producer saw committed, -1 none) | next (next seq the consumer expects) |
 * </pre>
 * A producer id is {@code slot * MAX_INCARNATIONS + incarnation}: every restart is a new id with its own sequence.
 */
final class ChaosLedger implements AutoCloseable
{
    static final int MAX_SLOTS = 3;
    static final int MAX_INCARNATIONS = 2000;
    static final int IDS = MAX_SLOTS * MAX_INCARNATIONS;
    private static final int STOP_OFFSET = 0;
    private static final int STALL_OFFSET = 8;
    private static final int REDELIVERED_OFFSET = 16;
    private static final int LOST_OFFSET = 24;
    private static final int DUPLICATES_OFFSET = 32;
    /** 1: the test asks the consumer to pause inside its handler; 2: the consumer is paused there. */
    private static final int PAUSE_OFFSET = 40;
    private static final int ENTRIES_OFFSET = 64;
    private static final int LENGTH = ENTRIES_OFFSET + IDS * 16;

    private final MappedByteBuffer mapping;
    private final UnsafeBuffer buffer;

    private ChaosLedger(final MappedByteBuffer mapping)
    {
        this.mapping = mapping;
        this.buffer = new UnsafeBuffer(mapping);
    }

    static ChaosLedger create(final Path file)
    {
        final ChaosLedger ledger = new ChaosLedger(IoUtil.mapNewFile(file.toFile(), LENGTH, true));
        for (int id = 0; id < IDS; id++)
        {
            ledger.buffer.putLong(ENTRIES_OFFSET + id * 16, -1);
        }
        return ledger;
    }

    static ChaosLedger open(final Path file)
    {
        return new ChaosLedger(IoUtil.mapExistingFile(new File(file.toString()), "chaos ledger"));
    }

    static int id(final int slot, final int incarnation)
    {
        return slot * MAX_INCARNATIONS + incarnation;
    }

    long committed(final int id)
    {
        return buffer.getLongVolatile(ENTRIES_OFFSET + id * 16);
    }

    void committed(final int id, final long sequence)
    {
        buffer.putLongRelease(ENTRIES_OFFSET + id * 16, sequence);
    }

    long next(final int id)
    {
        return buffer.getLongVolatile(ENTRIES_OFFSET + id * 16 + 8);
    }

    void next(final int id, final long sequence)
    {
        buffer.putLongRelease(ENTRIES_OFFSET + id * 16 + 8, sequence);
    }

    boolean stopRequested()
    {
        return buffer.getLongVolatile(STOP_OFFSET) != 0;
    }

    void requestStop()
    {
        buffer.putLongRelease(STOP_OFFSET, 1);
    }

    long longestStallNanos()
    {
        return buffer.getLongVolatile(STALL_OFFSET);
    }

    void stall(final long nanos)
    {
        if (nanos > longestStallNanos())
        {
            buffer.putLongRelease(STALL_OFFSET, nanos);
        }
    }

    long redelivered()
    {
        return buffer.getLongVolatile(REDELIVERED_OFFSET);
    }

    void addRedelivered()
    {
        buffer.putLongRelease(REDELIVERED_OFFSET, redelivered() + 1);
    }

    long lost()
    {
        return buffer.getLongVolatile(LOST_OFFSET);
    }

    void addLost(final long count)
    {
        buffer.putLongRelease(LOST_OFFSET, lost() + count);
    }

    long duplicates()
    {
        return buffer.getLongVolatile(DUPLICATES_OFFSET);
    }

    void addDuplicate()
    {
        buffer.putLongRelease(DUPLICATES_OFFSET, duplicates() + 1);
    }

    void requestPause()
    {
        buffer.putLongRelease(PAUSE_OFFSET, 1);
    }

    boolean pauseRequested()
    {
        return buffer.getLongVolatile(PAUSE_OFFSET) == 1;
    }

    void paused()
    {
        buffer.putLongRelease(PAUSE_OFFSET, 2);
    }

    boolean isPaused()
    {
        return buffer.getLongVolatile(PAUSE_OFFSET) == 2;
    }

    void clearPause()
    {
        buffer.putLongRelease(PAUSE_OFFSET, 0);
    }

    public void close()
    {
        IoUtil.unmap(mapping);
    }
}
