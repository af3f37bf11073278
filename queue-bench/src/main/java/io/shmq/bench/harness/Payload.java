package io.shmq.bench.harness;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Benchmark messages: a sequence number and a producer id, bytes of a fixed pseudo-random pattern that the
 * receiver may check with a checksum, and the sequence number again in the last 8 bytes, so a receiver that reads
 * only the sequence words still touches both ends of the message.
 *
 * <pre>
 *  0               8        12       16                         length-8        length
 *  +---------------+--------+--------+--------------------------+---------------+
 *  | sequence (64) | prod id| unused | pattern (checksummed)    | sequence (64) |
 *  +---------------+--------+--------+--------------------------+---------------+
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
    /** PREFIX[k]: the sum of the pattern words from byte 16 up to byte 16 + 8k. */
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

    /**
     * Stamps a message of {@code length} bytes: sequence and producer at the start, the sequence at the end.
     */
    static void stamp(final MutableDirectBuffer buffer, final long sequence, final int producer, final int length)
    {
        stamp(buffer, sequence, producer);
        buffer.putLong(length - 8, sequence);
    }

    /**
     * The sequence number in the last 8 bytes of a stamped message.
     */
    static long tailSequence(final DirectBuffer buffer, final int index, final int length)
    {
        return buffer.getLong(index + length - 8);
    }

    static void stampEnd(final MutableDirectBuffer buffer, final int producer, final long sent)
    {
        buffer.putLong(0, END);
        buffer.putInt(8, producer);
        buffer.putLong(16, sent);
    }

    /**
     * Whether the pattern bytes of a message are intact (every byte between the head and the tail sequence is
     * read, four words at a time so the check runs near the speed of the loads).
     *
     * @param buffer the message's buffer.
     * @param index  its offset.
     * @param length its length, a multiple of 8, at least 24.
     * @return true when the checksum matches.
     */
    static boolean verify(final DirectBuffer buffer, final int index, final int length)
    {
        final int end = length - 8;
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = 16;
        for (; i + 32 <= end; i += 32)
        {
            s0 += buffer.getLong(index + i);
            s1 += buffer.getLong(index + i + 8);
            s2 += buffer.getLong(index + i + 16);
            s3 += buffer.getLong(index + i + 24);
        }
        for (; i < end; i += 8)
        {
            s0 += buffer.getLong(index + i);
        }
        return s0 + s1 + s2 + s3 == expected(end);
    }

    private static long expected(final int end)
    {
        return PREFIX[(end - 16) / 8];
    }

    private static long[] prefixSums()
    {
        final long[] prefix = new long[(MAX_LENGTH - 16) / 8 + 1];
        for (int k = 1; k < prefix.length; k++)
        {
            final int i = 16 + 8 * (k - 1);
            prefix[k] = prefix[k - 1] + PATTERN.getLong(i);
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
