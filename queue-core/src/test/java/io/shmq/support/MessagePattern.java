package io.shmq.support;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Self-checking messages: producer id, sequence number, then filler bytes that are a function of both, with a
 * length that varies with the sequence so records of many sizes wrap the ring. The consumer checks every byte.
 *
 * <pre>
 *  0        4                12                     length
 *  +--------+----------------+----------------------+
 *  | prodId | sequence (64)  | filler(prodId, seq, i)|
 *  +--------+----------------+----------------------+
 * </pre>
 */
public final class MessagePattern
{
    /** Bytes before the filler. */
    public static final int FIXED_LENGTH = 12;

    private MessagePattern()
    {
    }

    /**
     * Length of message {@code sequence}: from {@code FIXED_LENGTH} to {@code maxLength}.
     *
     * @param sequence  the message's sequence number.
     * @param maxLength the largest length to produce.
     * @return the payload length.
     */
    public static int length(final long sequence, final int maxLength)
    {
        return FIXED_LENGTH + (int)((sequence * 7919) % (maxLength - FIXED_LENGTH + 1));
    }

    /**
     * Writes message {@code sequence} of {@code producerId}.
     *
     * @param buffer     destination.
     * @param offset     where the payload starts.
     * @param length     payload length, from {@link #length}.
     * @param producerId the producer.
     * @param sequence   the sequence number.
     */
    public static void write(
        final MutableDirectBuffer buffer, final int offset, final int length, final int producerId, final long sequence)
    {
        buffer.putInt(offset, producerId);
        buffer.putLong(offset + 4, sequence);
        for (int i = FIXED_LENGTH; i < length; i++)
        {
            buffer.putByte(offset + i, filler(producerId, sequence, i));
        }
    }

    /**
     * The producer id of a message.
     *
     * @param buffer source.
     * @param offset payload offset.
     * @return the producer id.
     */
    public static int producerId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset);
    }

    /**
     * The sequence of a message.
     *
     * @param buffer source.
     * @param offset payload offset.
     * @return the sequence number.
     */
    public static long sequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 4);
    }

    /**
     * Checks every byte of a message, returning a description of the first fault or {@code null}.
     *
     * @param buffer    source.
     * @param offset    payload offset.
     * @param length    payload length as delivered.
     * @param maxLength the producer's max length, to recompute the expected length.
     * @return null when the message is intact.
     */
    public static String verify(final DirectBuffer buffer, final int offset, final int length, final int maxLength)
    {
        if (length < FIXED_LENGTH)
        {
            return "length " + length + " shorter than " + FIXED_LENGTH;
        }
        final int producerId = producerId(buffer, offset);
        final long sequence = sequence(buffer, offset);
        final int expectedLength = length(sequence, maxLength);
        if (length != expectedLength)
        {
            return "producer " + producerId + " seq " + sequence + ": length " + length + ", expected " +
                expectedLength;
        }
        for (int i = FIXED_LENGTH; i < length; i++)
        {
            if (buffer.getByte(offset + i) != filler(producerId, sequence, i))
            {
                return "producer " + producerId + " seq " + sequence + ": byte " + i + " corrupt";
            }
        }
        return null;
    }

    private static byte filler(final int producerId, final long sequence, final int index)
    {
        return (byte)(sequence * 31 + index * 17 + producerId * 101);
    }
}
