package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new SPSC producer finds after its predecessor died: committed records are kept even when the tail was not
 * published yet, and an uncommitted claim's payload is cleared.
 */
class SpscTakeoverTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);

    private boolean offer(final RingProducer producer, final long value, final int length)
    {
        src.putLong(0, value);
        return producer.offer(1, src, 0, length);
    }

    @Test
    void aCommitWhoseTailWasNotPublishedIsKeptAndAnUncommittedClaimIsCleared()
    {
        final QueueConfig config = QueueConfig.spsc(1024).withDirectory(shm.path());
        try (ShmQueue queue = ShmQueue.create("takeover", config))
        {
            final RingProducer producer = queue.producer();
            assertTrue(offer(producer, 1, 8));
            assertTrue(offer(producer, 2, 40));
            final long tailBeforeThird = queue.header().tailPosition();
            assertTrue(offer(producer, 3, 8));
            // The predecessor committed the third record (its header) and died before publishing the tail...
            queue.region().buffer().putLongVolatile(QueueHeaderDescriptor.TAIL_POSITION_OFFSET, tailBeforeThird);
            // ...after claiming a fourth and writing part of its payload.
            final SlotClaim claim = new SlotClaim();
            assertTrue(producer.claim(1, 16, claim));
            claim.buffer().putLong(claim.offset(), 0xDEAD_BEEFL);
            claim.buffer().putLong(claim.offset() + 8, -1L);
        }
        try (ShmQueue queue = ShmQueue.open("takeover", config))
        {
            final RingProducer successor = queue.producer();
            assertTrue(offer(successor, 4, 8));
            assertTrue(offer(successor, 5, 8));
            final List<Long> read = new ArrayList<>();
            queue.consumer().read((type, buffer, index, length) -> read.add(buffer.getLong(index)), 100);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), read);
        }
    }
}
