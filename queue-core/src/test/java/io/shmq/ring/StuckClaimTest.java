package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An MPSC claim that is never committed (its producer died) stalls the consumer only for the unblock timeout; the
 * records behind it are delivered once, the skip is counted, and a producer that commits too late is told.
 */
class StuckClaimTest
{
    private static final Duration TIMEOUT = Duration.ofMillis(50);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);

    private ShmQueue queue(final String name)
    {
        return ShmQueue.create(name, QueueConfig.mpsc(4096).withDirectory(shm.path()));
    }

    private List<Long> readFor(final RingConsumer consumer, final int wanted, final long millis)
    {
        final List<Long> values = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (values.size() < wanted && System.nanoTime() < deadline)
        {
            if (consumer.read((t, b, i, l) -> values.add(b.getLong(i)), 16) == 0)
            {
                Thread.onSpinWait();
            }
        }
        return values;
    }

    private boolean offer(final RingProducer producer, final long value)
    {
        src.putLong(0, value);
        return producer.offer(1, src, 0, 8);
    }

    private static long unblocked(final ShmQueue queue)
    {
        return queue.header().counter(QueueHeaderDescriptor.COUNTER_UNBLOCKED_RECORDS);
    }

    @Test
    void claimMarkedInProgressIsSkippedAfterTheTimeoutAndItsLateCommitRefused()
    {
        try (ShmQueue queue = queue("marked"))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().unblockTimeout(TIMEOUT);
            assertTrue(offer(producer, 1));
            final SlotClaim dead = new SlotClaim();
            assertTrue(producer.claim(1, 8, dead));
            dead.buffer().putLong(dead.offset(), 666);
            assertTrue(offer(producer, 2));
            assertTrue(offer(producer, 3));

            final long start = System.nanoTime();
            assertEquals(List.of(1L), readFor(consumer, 1, 1000));
            assertEquals(List.of(), readFor(consumer, 1, 20), "stalled behind the claim, within the timeout");
            assertEquals(List.of(2L, 3L), readFor(consumer, 2, 5000));
            final long stalled = System.nanoTime() - start;
            assertTrue(stalled >= TIMEOUT.toNanos(), "not before the timeout");
            assertTrue(stalled < TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(2), "stalled " + stalled + " ns");
            assertEquals(1, unblocked(queue));

            assertThrows(ClaimRevokedException.class, dead::commit, "the late commit is told");
            assertTrue(offer(producer, 4));
            assertEquals(List.of(4L), readFor(consumer, 1, 1000), "666 is never delivered");
        }
    }

    @Test
    void claimWhoseProducerDiedBeforeMarkingItIsSkippedToo()
    {
        try (ShmQueue queue = queue("unmarked"))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().unblockTimeout(TIMEOUT);
            // A producer that moved the tail over a one-unit record, then died before marking its header.
            final long tail = queue.header().tailPosition();
            queue.region().buffer().putLong(QueueHeaderDescriptor.TAIL_POSITION_OFFSET,
                tail + QueueConfig.DEFAULT_ALIGNMENT);
            assertTrue(offer(producer, 7));

            assertEquals(List.of(7L), readFor(consumer, 1, 5000));
            assertEquals(1, unblocked(queue));
            // Skipped as padding, then released like any record: its header word reads zero again.
            assertEquals(0, queue.region().buffer().getLong(QueueHeaderDescriptor.HEADER_LENGTH + (int)tail));
            assertTrue(offer(producer, 8));
            assertEquals(List.of(8L), readFor(consumer, 1, 1000));
        }
    }

    @Test
    void aSlowButLiveClaimCommittedInTimeIsDeliveredInOrder()
    {
        try (ShmQueue queue = queue("slow"))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().unblockTimeout(Duration.ofSeconds(10));
            final SlotClaim slow = new SlotClaim();
            assertTrue(producer.claim(1, 8, slow));
            assertTrue(offer(producer, 2));
            assertEquals(List.of(), readFor(consumer, 1, 100));
            slow.buffer().putLong(slow.offset(), 1);
            slow.commit();
            assertEquals(List.of(1L, 2L), readFor(consumer, 2, 1000));
            assertEquals(0, unblocked(queue));
        }
    }

    @Test
    void aSleepingConsumerAlsoSkipsAStuckClaim()
    {
        try (ShmQueue queue = queue("sleeping"))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().unblockTimeout(TIMEOUT);
            assertTrue(producer.claim(1, 8, new SlotClaim()));
            assertTrue(offer(producer, 5));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            final List<Long> values = new ArrayList<>();
            while (values.isEmpty() && System.nanoTime() < deadline)
            {
                if (consumer.read((t, b, i, l) -> values.add(b.getLong(i)), 16) == 0)
                {
                    consumer.awaitMessages(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
            assertEquals(List.of(5L), values);
            assertFalse(consumer.awaitMessages(TimeUnit.MILLISECONDS.toNanos(1)), "nothing more");
        }
    }
}
