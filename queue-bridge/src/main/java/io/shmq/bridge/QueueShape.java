package io.shmq.bridge;

import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeader;
import io.shmq.layout.RingKind;

/**
 * What the two ends of a bridge compare before any message crosses: the queue's name, ring kind, capacity and
 * longest message, and which creation of it this is.
 *
 * @param name             the queue's name.
 * @param kind             its ring kind.
 * @param capacity         its ring's capacity in bytes.
 * @param maxMessageLength the longest message it takes.
 * @param incarnation      its creation (creator process and time, from its header), never 0: a queue created
 *                         again under the same name starts its ring positions at 0 again.
 */
public record QueueShape(String name, RingKind kind, int capacity, int maxMessageLength, long incarnation)
{
    /**
     * The shape of an open queue.
     *
     * @param queue the queue.
     * @return its shape.
     */
    public static QueueShape of(final ShmQueue queue)
    {
        final QueueHeader header = queue.header();
        final long incarnation = header.creationEpochMillis() * 1_000_003L + (header.creatorPid() << 24) +
            header.creatorStartTime();
        return new QueueShape(queue.name(), queue.kind(), queue.capacity(), queue.maxMessageLength(),
            incarnation == 0 ? 1 : incarnation);
    }

    /**
     * Why messages of {@code sender}'s queue cannot all be written into this one, or null when they can: the
     * names must match and no message may be longer than this queue takes. Ring kinds and capacities may differ.
     *
     * @param sender the sending side's queue.
     * @return the mismatch, said so that the user knows which side to change, or null.
     */
    public String mismatchWith(final QueueShape sender)
    {
        if (!name.equals(sender.name))
        {
            return "the sender bridges queue '" + sender.name + "' and this receiver writes '" + name +
                "': give both sides the same queue name";
        }
        if (sender.maxMessageLength > maxMessageLength)
        {
            return "queue '" + name + "' takes messages up to " + sender.maxMessageLength + " bytes on the sending " +
                "host but only up to " + maxMessageLength + " here: create it here with a max message length of at " +
                "least " + sender.maxMessageLength;
        }
        return null;
    }
}
