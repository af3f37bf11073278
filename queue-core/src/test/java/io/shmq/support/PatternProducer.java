package io.shmq.support;

import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends {@link MessagePattern} messages through a producer, alternating copying offers and zero-copy claims,
 * spinning (then yielding) while the ring is full.
 */
public final class PatternProducer
{
    private final RingProducer producer;
    private final int producerId;
    private final int maxLength;
    private final UnsafeBuffer scratch;
    private final SlotClaim claim = new SlotClaim();

    /**
     * A sender for one producer id.
     *
     * @param producer   the ring producer.
     * @param producerId the id written into every message.
     * @param maxLength  the largest payload to send.
     */
    public PatternProducer(final RingProducer producer, final int producerId, final int maxLength)
    {
        this.producer = producer;
        this.producerId = producerId;
        this.maxLength = maxLength;
        this.scratch = new UnsafeBuffer(new byte[maxLength]);
    }

    /**
     * Sends sequences {@code 0 .. count - 1}.
     *
     * @param count how many messages.
     */
    public void send(final long count)
    {
        for (long sequence = 0; sequence < count; sequence++)
        {
            final int length = MessagePattern.length(sequence, maxLength);
            final int type = SequenceChecker.typeOf(sequence);
            int spins = 0;
            if ((sequence & 1) == 0)
            {
                MessagePattern.write(scratch, 0, length, producerId, sequence);
                while (!producer.offer(type, scratch, 0, length))
                {
                    spins = idle(spins);
                }
            }
            else
            {
                while (!producer.claim(type, length, claim))
                {
                    spins = idle(spins);
                }
                MessagePattern.write(claim.buffer(), claim.offset(), length, producerId, sequence);
                claim.commit();
            }
        }
    }

    private static int idle(final int spins)
    {
        if (spins < 100)
        {
            Thread.onSpinWait();
        }
        else
        {
            Thread.yield();
        }
        return spins + 1;
    }
}
