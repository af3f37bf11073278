package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;
import io.shmq.support.PatternProducer;
import io.shmq.support.SequenceChecker;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Producers and the consumer on threads of one JVM: every message checked byte by byte, in order per producer,
 * none lost or duplicated. Small rings so that the millions of messages wrap thousands of times.
 */
class ConcurrentRingTest
{
    private static final int MAX_LENGTH = 200;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    @Timeout(120)
    void spscDeliversFourMillionMessagesInOrder() throws Exception
    {
        run(RingKind.SPSC, 1, 4_000_000, 64 * 1024);
    }

    @Test
    @Timeout(120)
    void mpscWithTwoProducersDeliversEveryMessageInOrderPerProducer() throws Exception
    {
        run(RingKind.MPSC, 2, 1_500_000, 64 * 1024);
    }

    @Test
    @Timeout(120)
    void mpscWithThreeProducersDeliversEveryMessageInOrderPerProducer() throws Exception
    {
        run(RingKind.MPSC, 3, 1_000_000, 64 * 1024);
    }

    @Test
    @Timeout(120)
    void mpscOnATinyRingWithPackedRecordsStaysIntact() throws Exception
    {
        run(RingKind.MPSC, 3, 300_000, 4096);
    }

    private void run(final RingKind kind, final int producers, final long perProducer, final int capacity)
        throws Exception
    {
        final QueueConfig config = QueueConfig.of(kind, capacity).withDirectory(shm.path())
            .withMaxMessageLength(Math.min(MAX_LENGTH, QueueConfig.maxMessageLengthLimit(capacity)))
            .withRecordAlignment(capacity < 8192 ? 8 : 64);
        final int maxLength = config.maxMessageLength();
        try (ShmQueue queue = ShmQueue.create("concurrent", config))
        {
            final RingConsumer consumer = queue.consumer();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> threads = new ArrayList<>();
            final SequenceChecker checker = new SequenceChecker(producers, maxLength);
            final long expected = producers * perProducer;
            try
            {
                for (int p = 0; p < producers; p++)
                {
                    final PatternProducer sender = new PatternProducer(queue.producer(), p, maxLength);
                    final Thread thread = new Thread(() ->
                    {
                        try
                        {
                            sender.send(perProducer, stop);
                        }
                        catch (final Throwable t)
                        {
                            failure.compareAndSet(null, t);
                        }
                    }, "producer-" + p);
                    thread.start();
                    threads.add(thread);
                }

                while (checker.messages() < expected && failure.get() == null)
                {
                    if (consumer.read(checker, 256) == 0)
                    {
                        Thread.onSpinWait();
                        if (threads.stream().noneMatch(Thread::isAlive) && consumer.read(checker, 256) == 0)
                        {
                            break;
                        }
                    }
                }
            }
            finally
            {
                // Closing the queue unmaps what producers write to: stop them first, also when the consumer failed.
                stop.set(true);
                for (final Thread thread : threads)
                {
                    thread.join();
                }
            }
            if (failure.get() != null)
            {
                throw new AssertionError("producer failed", failure.get());
            }
            assertNull(checker.firstFault());
            assertEquals(expected, checker.messages());
            for (int p = 0; p < producers; p++)
            {
                assertEquals(perProducer, checker.delivered(p), "producer " + p);
            }
            assertEquals(0, consumer.read(checker, 256), "nothing after the last message");
            assertEquals(queue.header().tailPosition(), consumer.headPosition(), "head caught up with the tail");
        }
    }
}
