package io.shmq.bench.harness;

import org.HdrHistogram.Histogram;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;

/**
 * The latency floor: two processes pass one 64-bit word back and forth in one shared cache line. The pinger
 * writes an odd value, the ponger answers with the next even one; nothing any queue does can be faster.
 */
final class CacheLine
{
    private CacheLine()
    {
    }

    static void pong(final ChannelSpec spec)
    {
        final MappedByteBuffer mapping = IoUtil.mapExistingFile(spec.file(".ring").toFile(), "cache line");
        try
        {
            final UnsafeBuffer word = new UnsafeBuffer(mapping);
            System.out.println("READY");
            long last = 0;
            while (true)
            {
                final long value = word.getLongVolatile(0);
                if (value == Long.MAX_VALUE)
                {
                    return;
                }
                if ((value & 1) == 1 && value != last)
                {
                    last = value;
                    word.putLongRelease(0, value + 1);
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
        }
        finally
        {
            IoUtil.unmap(mapping);
        }
    }

    static void ping(final ChannelSpec spec, final int warmup, final int rounds, final Histogram histogram)
    {
        final MappedByteBuffer mapping = IoUtil.mapExistingFile(spec.file(".ring").toFile(), "cache line");
        try
        {
            final UnsafeBuffer word = new UnsafeBuffer(mapping);
            System.out.println("READY");
            long value = 1;
            for (int round = -warmup; round < rounds; round++)
            {
                final long start = System.nanoTime();
                word.putLongRelease(0, value);
                while (word.getLongVolatile(0) != value + 1)
                {
                    Thread.onSpinWait();
                }
                final long rtt = System.nanoTime() - start;
                if (round >= 0)
                {
                    histogram.recordValue(Math.min(rtt, histogram.getHighestTrackableValue()));
                }
                value += 2;
            }
            word.putLongRelease(0, Long.MAX_VALUE);
        }
        finally
        {
            IoUtil.unmap(mapping);
        }
    }
}
