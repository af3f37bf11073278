package io.shmq.bench.harness;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Benchmark messages: a sequence number and a producer id, then bytes of a fixed pseudo-random pattern that the
 * receiver checks with a checksum (on a sample, or on every message for large ones), so no system can skip the
 * payload.
 *
 * <pre>
 *  0               8        12       16                         length
 *  +---------------+--------+--------+--------------------------+
 *  | sequence (64) | prod id| unused | pattern (checksummed)    |
 *  +---------------+--------+--------+--------------------------+
 *  sequence -1 ends a sender's stream; then bytes 16..24 hold how many it sent.
 * </pre>
 */
final class Payload
{
    /** The largest payload measured. */
    static final int MAX_LENGTH = 64 * 1024;
    /** Sequence number of the end-of-stream message. */
    static final long END = -1;

    private static final UnsafeBuffer PATTERN = pattern();
    /** PREFIX[k]: the checksum of a message of length 16 + 8k. */
    private static final long[] PREFIX = prefixSums();

    private Payload()
    {
    }

    /**
     * A buffer holding the pattern, to stamp and send from.
     *
     * @return a new off-heap buffer of {@link #MAX_LENGTH} bytes.
     */
    static UnsafeBuffer newMessage()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_LENGTH));
        buffer.putBytes(0, PATTERN, 0, MAX_LENGTH);
        return buffer;
    }

    static void stamp(final MutableDirectBuffer buffer, final long sequence, final int producer)
    {
        buffer.putLong(0, sequence);
        buffer.putInt(8, producer);
    }

    static void stampEnd(final MutableDirectBuffer buffer, final int producer, final long sent)
    {
        buffer.putLong(0, END);
        buffer.putInt(8, producer);
        buffer.putLong(16, sent);
    }

    /**
     * Whether the pattern bytes of a message are intact (every byte is read).
     *
     * @param buffer the message's buffer.
     * @param index  its offset.
     * @param length its length, a multiple of 8.
     * @return true when the checksum matches.
     */
    static boolean verify(final DirectBuffer buffer, final int index, final int length)
    {
        long sum = 0;
        for (int i = 16; i < length; i += 8)
        {
            sum += buffer.getLong(index + i) * (i | 1);
        }
        return sum == expected(length);
    }

    private static long expected(final int length)
    {
        return PREFIX[(length - 16) / 8];
    }

    private static long[] prefixSums()
    {
        final long[] prefix = new long[(MAX_LENGTH - 16) / 8 + 1];
        for (int k = 1; k < prefix.length; k++)
        {
            final int i = 16 + 8 * (k - 1);
            prefix[k] = prefix[k - 1] + PATTERN.getLong(i) * (i | 1);
        }
        return prefix;
    }

    private static UnsafeBuffer pattern()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MAX_LENGTH]);
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < MAX_LENGTH; i += 8)
        {
            buffer.putLong(i, random.nextLong());
        }
        return buffer;
    }
}
