package io.shmq.support;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.ring.RingConsumer;

/**
 * Child JVM: opens a queue as its consumer and checks {@link MessagePattern} messages from {@code producers}
 * producers, {@code perProducer} each. Prints {@code RESULT messages=N bytes=B fault=F} and exits 0 only when
 * every message arrived intact and in order; exits 2 when nothing arrives for {@code stallSeconds}.
 * Arguments: {@code directory name kind capacity maxLength alignment producers perProducer stallSeconds}.
 */
public final class ConsumerProcess
{
    private ConsumerProcess()
    {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        final QueueConfig config = ProducerProcess.config(args);
        final int producers = Integer.parseInt(args[6]);
        final long perProducer = Long.parseLong(args[7]);
        final long stallNanos = Long.parseLong(args[8]) * 1_000_000_000L;
        final long expected = producers * perProducer;

        try (ShmQueue queue = ShmQueue.open(args[1], config))
        {
            final RingConsumer consumer = queue.consumer();
            System.out.println("ATTACHED");
            final SequenceChecker checker = new SequenceChecker(producers, config.maxMessageLength());
            final long start = System.nanoTime();
            long lastProgress = start;
            while (checker.messages() < expected)
            {
                if (consumer.read(checker, 1024) > 0)
                {
                    lastProgress = System.nanoTime();
                }
                else
                {
                    Thread.onSpinWait();
                    if (System.nanoTime() - lastProgress > stallNanos)
                    {
                        System.out.println("STALLED after " + checker.messages() + " of " + expected);
                        System.exit(2);
                    }
                }
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            boolean complete = checker.firstFault() == null;
            for (int p = 0; p < producers; p++)
            {
                complete &= checker.delivered(p) == perProducer;
            }
            System.out.printf("RESULT messages=%d bytes=%d seconds=%.3f rate=%.0f fault=%s%n",
                checker.messages(), checker.bytes(), seconds, checker.messages() / seconds, checker.firstFault());
            System.exit(complete ? 0 : 1);
        }
    }
}
