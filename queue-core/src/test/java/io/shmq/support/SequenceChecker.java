package io.shmq.support;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

/**
 * A message handler that checks {@link MessagePattern} messages: every byte, and that each producer's sequence
 * numbers arrive in order with no gap or duplicate. Records the first fault and keeps counting.
 */
public final class SequenceChecker implements MessageHandler
{
    private final long[] nextSequence;
    private final int maxLength;
    private long messages;
    private long bytes;
    private String firstFault;

    /**
     * A checker for {@code producers} producers numbered from 0.
     *
     * @param producers number of producers.
     * @param maxLength the producers' max payload length.
     */
    public SequenceChecker(final int producers, final int maxLength)
    {
        this.nextSequence = new long[producers];
        this.maxLength = maxLength;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        messages++;
        bytes += length;
        if (firstFault != null)
        {
            return;
        }
        final String fault = MessagePattern.verify(buffer, index, length, maxLength);
        if (fault != null)
        {
            firstFault = "message " + messages + ": " + fault;
            return;
        }
        final int producer = MessagePattern.producerId(buffer, index);
        if (producer < 0 || producer >= nextSequence.length)
        {
            firstFault = "message " + messages + ": unknown producer " + producer;
            return;
        }
        final long sequence = MessagePattern.sequence(buffer, index);
        if (sequence != nextSequence[producer])
        {
            firstFault = "producer " + producer + ": expected seq " + nextSequence[producer] + ", got " + sequence;
            return;
        }
        if (msgTypeId != 1 + (int)(sequence & 7))
        {
            firstFault = "producer " + producer + " seq " + sequence + ": type " + msgTypeId;
            return;
        }
        nextSequence[producer]++;
    }

    /**
     * Messages seen.
     *
     * @return the count.
     */
    public long messages()
    {
        return messages;
    }

    /**
     * Payload bytes seen.
     *
     * @return the byte count.
     */
    public long bytes()
    {
        return bytes;
    }

    /**
     * The next expected sequence of a producer, i.e. how many of its messages arrived intact and in order.
     *
     * @param producer producer id.
     * @return its count of good messages.
     */
    public long delivered(final int producer)
    {
        return nextSequence[producer];
    }

    /**
     * The first fault seen, or null.
     *
     * @return a description of the first bad message.
     */
    public String firstFault()
    {
        return firstFault;
    }

    /**
     * The message type a producer uses for {@code sequence}: types vary so delivery of type ids is checked too.
     *
     * @param sequence the message's sequence.
     * @return a type id from 1 to 8.
     */
    public static int typeOf(final long sequence)
    {
        return 1 + (int)(sequence & 7);
    }
}
