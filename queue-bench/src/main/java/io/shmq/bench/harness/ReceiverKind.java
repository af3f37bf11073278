package io.shmq.bench.harness;

import java.util.Locale;

/**
 * What a throughput receiver reads of each message besides its sequence numbers (first and last 8 bytes, always
 * checked): what the receiver touches decides which cache lines cross between the cores, so it changes which ring
 * is fastest.
 */
enum ReceiverKind
{
    /** Only the sequence words: a receiver that reads a header and hands the message on. */
    SEQ,
    /** A checksum of every payload byte: a receiver that decodes all of it. */
    SUM,
    /** The checksum of one message in 1024 and of every 64 KiB one (the classic runs' receiver). */
    SAMPLE;

    boolean checksums(final long sequence, final int length)
    {
        return switch (this)
        {
            case SEQ -> false;
            case SUM -> true;
            case SAMPLE -> length >= 65536 || (sequence & 1023) == 0;
        };
    }

    /**
     * The receiver's short name in reports.
     *
     * @return {@code seq}, {@code sum} or {@code sample}.
     */
    String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
