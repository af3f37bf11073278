package io.shmq.bench.slices;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.LongUnaryOperator;

/**
 * One thread writing a message into a fresh queue and reading it back, as {@code RingOperationsBenchmark} does:
 * the instructions of the hot path without cross-core traffic. {@link JarPairSlices} loads this class once per jar
 * under test, so each copy runs against that jar's queue-core; it talks to the harness only through JDK types.
 */
public final class RingOpsWorkload implements LongUnaryOperator, AutoCloseable
{
    private static final int CAPACITY = 1 << 20;
    private static final int TYPE = 1;
    private static final int BATCH = 256;

    private final ShmQueue queue;
    private final RingProducer producer;
    private final RingConsumer consumer;
    private final boolean claimCommit;
    private final int size;
    private final SlotClaim claim = new SlotClaim();
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[4096]);
    private final CountingHandler handler = new CountingHandler();

    /**
     * Creates the queue in {@code /dev/shm}.
     *
     * @param name  the queue's name (deleted first if left over).
     * @param kind  {@code SPSC} or {@code MPSC}.
     * @param op    {@code offerRead} (a copying offer) or {@code claimCommitRead} (claim, write one long, commit).
     * @param size  payload bytes, at most 4096.
     */
    public RingOpsWorkload(final String name, final String kind, final String op, final int size)
    {
        if (!"offerRead".equals(op) && !"claimCommitRead".equals(op))
        {
            throw new IllegalArgumentException("operation must be offerRead or claimCommitRead, not " + op);
        }
        ShmQueue.delete(name);
        this.queue = ShmQueue.create(name, QueueConfig.of(RingKind.valueOf(kind), CAPACITY)
            .withMaxMessageLength(4096));
        this.producer = queue.producer();
        this.consumer = queue.consumer();
        this.claimCommit = "claimCommitRead".equals(op);
        this.size = size;
    }

    /**
     * Runs write-then-read steps for about {@code nanos}, in batches between clock reads.
     *
     * @param nanos how long to run.
     * @return the steps done.
     */
    @Override
    public long applyAsLong(final long nanos)
    {
        final long end = System.nanoTime() + nanos;
        long steps = 0;
        do
        {
            if (claimCommit)
            {
                for (int i = 0; i < BATCH; i++)
                {
                    claimCommitRead();
                }
            }
            else
            {
                for (int i = 0; i < BATCH; i++)
                {
                    offerRead();
                }
            }
            steps += BATCH;
        }
        while (System.nanoTime() - end < 0);
        return steps;
    }

    /**
     * What the handler summed, so that no read is optimised away.
     *
     * @return the sum.
     */
    public long sum()
    {
        return handler.sum;
    }

    /**
     * Closes and deletes the queue.
     */
    @Override
    public void close()
    {
        queue.close();
        ShmQueue.delete(queue.name());
    }

    private void offerRead()
    {
        producer.offer(TYPE, payload, 0, size);
        readOne();
    }

    private void claimCommitRead()
    {
        producer.claim(TYPE, size, claim);
        claim.buffer().putLong(claim.offset(), size);
        claim.commit();
        readOne();
    }

    private void readOne()
    {
        if (consumer.read(handler, 1) == 0)
        {
            consumer.read(handler, 1);
        }
    }

    private static final class CountingHandler implements MessageHandler
    {
        long sum;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sum += buffer.getLong(index) + length;
        }
    }
}
