package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.support.PatternProducer;
import io.shmq.support.SequenceChecker;

/**
 * Child JVM for SysV tests. Arguments: {@code role name kind capacity maxLength alignment [role args]}; roles:
 * <ul>
 *   <li>{@code produce ID COUNT}: sends pattern messages;</li>
 *   <li>{@code consume PRODUCERS PER_PRODUCER}: checks them, prints {@code RESULT ...}, exits 0 only if all
 *   arrived intact and in order;</li>
 *   <li>{@code create-and-hold PAGES}: creates the queue, prints {@code HOLDING}, waits to be killed;</li>
 *   <li>{@code open}: tries to open the queue and prints what happened.</li>
 * </ul>
 */
public final class SysVChildProcess
{
    private SysVChildProcess()
    {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     * @throws Exception on failure (the test sees the exit code and output).
     */
    public static void main(final String[] args) throws Exception
    {
        final String role = args[0];
        final String name = args[1];
        final QueueConfig config = QueueConfig.of(RingKind.valueOf(args[2]), Integer.parseInt(args[3]))
            .withMaxMessageLength(Integer.parseInt(args[4]))
            .withRecordAlignment(Integer.parseInt(args[5]));
        switch (role)
        {
            case "produce":
                try (ShmQueue queue = SysVQueues.open(name, config))
                {
                    final long count = Long.parseLong(args[7]);
                    new PatternProducer(queue.producer(), Integer.parseInt(args[6]), config.maxMessageLength())
                        .send(count);
                    System.out.println("SENT " + count);
                }
                break;

            case "consume":
                System.exit(consume(name, config, Integer.parseInt(args[6]), Long.parseLong(args[7])) ? 0 : 1);
                break;

            case "create-and-hold":
                SysVQueues.create(name, config, SegmentPages.valueOf(args[6]));
                System.out.println("HOLDING");
                Thread.sleep(600_000);
                break;

            case "open":
                try (ShmQueue queue = SysVQueues.open(name, config))
                {
                    System.out.println("OPENED " + queue);
                }
                catch (final Exception ex)
                {
                    System.out.println("THROWN " + ex.getClass().getName() + ": " + ex.getMessage());
                }
                break;

            default:
                throw new IllegalArgumentException("unknown role " + role);
        }
    }

    private static boolean consume(final String name, final QueueConfig config, final int producers, final long each)
    {
        try (ShmQueue queue = SysVQueues.open(name, config))
        {
            final RingConsumer consumer = queue.consumer();
            System.out.println("ATTACHED");
            final SequenceChecker checker = new SequenceChecker(producers, config.maxMessageLength());
            final long expected = producers * each;
            final long start = System.nanoTime();
            long lastProgress = start;
            while (checker.messages() < expected)
            {
                if (consumer.read(checker, 1024) > 0)
                {
                    lastProgress = System.nanoTime();
                }
                else if (System.nanoTime() - lastProgress > 60_000_000_000L)
                {
                    System.out.println("STALLED after " + checker.messages());
                    return false;
                }
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            boolean complete = checker.firstFault() == null;
            for (int p = 0; p < producers; p++)
            {
                complete &= checker.delivered(p) == each;
            }
            System.out.printf("RESULT messages=%d bytes=%d seconds=%.3f fault=%s%n",
                checker.messages(), checker.bytes(), seconds, checker.firstFault());
            return complete;
        }
    }
}
