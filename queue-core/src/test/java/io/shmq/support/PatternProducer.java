package io.shmq.support;

import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.atomic.AtomicBoolean;

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
        send(count, new AtomicBoolean());
    }

    /**
     * Sends sequences {@code 0 .. count - 1}, giving up (between messages, or while the ring is full) once
     * {@code stop} is set: a test that failed on the consumer side stops its producers this way before it closes
     * the queue, since closing unmaps the memory they write to.
     *
     * @param count how many messages.
     * @param stop  set to end early.
     * @return how many were sent.
     */
    public long send(final long count, final AtomicBoolean stop)
    {
        long sequence = 0;
        for (; sequence < count && !stop.get(); sequence++)
        {
            final int length = MessagePattern.length(sequence, maxLength);
            final int type = SequenceChecker.typeOf(sequence);
            int spins = 0;
            if ((sequence & 1) == 0)
            {
                MessagePattern.write(scratch, 0, length, producerId, sequence);
                while (!producer.offer(type, scratch, 0, length))
                {
                    if (stop.get())
                    {
                        return sequence;
                    }
                    spins = idle(spins);
                }
            }
            else
            {
                while (!producer.claim(type, length, claim))
                {
                    if (stop.get())
                    {
                        return sequence;
                    }
                    spins = idle(spins);
                }
                MessagePattern.write(claim.buffer(), claim.offset(), length, producerId, sequence);
                claim.commit();
            }
        }
        return sequence;
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
