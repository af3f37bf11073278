package io.shmq.chronicle;

import com.sun.management.ThreadMXBean;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import io.shmq.support.ShmDirectory;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chronicle {@code Bytes} over claimed slots and delivered messages: what one side writes the other reads, the view
 * stops at the slot's end, and re-pointing it allocates nothing.
 */
class ChronicleSlotViewTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    void writesIntoClaimedSlotsAndReadsDeliveredMessages()
    {
        try (ShmQueue queue = ShmQueue.create("chronicle", QueueConfig.spsc(64 * 1024).withDirectory(shm.path())))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer();
            final ChronicleSlotView writeView = new ChronicleSlotView();
            final ChronicleSlotView readView = new ChronicleSlotView();
            final SlotClaim claim = new SlotClaim();
            for (int i = 0; i < 100; i++)
            {
                assertTrue(producer.claim(1, 20, claim));
                final Bytes<Void> bytes = writeView.forWrite(claim.buffer(), claim.offset(), claim.length());
                bytes.writeLong(i).writeLong(i * 10L).writeInt(-i);
                assertEquals(20, bytes.writePosition());
                assertThrows(RuntimeException.class, () -> bytes.writeByte((byte)1), "past the slot's end");
                claim.commit();
            }
            final List<long[]> seen = new ArrayList<>();
            while (consumer.read((type, buffer, index, length) ->
            {
                final Bytes<Void> bytes = readView.forRead(buffer, index, length);
                seen.add(new long[]{ bytes.readLong(), bytes.readLong(), bytes.readInt(), bytes.readRemaining() });
            }, 64) > 0)
            {
                // drain
            }
            assertEquals(100, seen.size());
            for (int i = 0; i < 100; i++)
            {
                assertEquals(i, seen.get(i)[0]);
                assertEquals(i * 10L, seen.get(i)[1]);
                assertEquals(-i, seen.get(i)[2]);
                assertEquals(0, seen.get(i)[3]);
            }
        }
    }

    @Test
    void repointingAllocatesNothingAndHeapBuffersAreRefused()
    {
        final UnsafeBuffer offHeap = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final ChronicleSlotView view = new ChronicleSlotView();
        final ThreadMXBean threads =
            (ThreadMXBean)ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (int round = 0; round < 3; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++)
            {
                view.forWrite(offHeap, (i & 63) * 64, 64).writeLong(i);
                sum += view.forRead(offHeap, (i & 63) * 64, 64).readLong();
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 2)
            {
                assertTrue(allocated < 1024, "allocated " + allocated + " bytes for 200,000 re-points");
            }
        }
        assertTrue(sum > 0);
        assertThrows(IllegalArgumentException.class, () -> view.forWrite(new UnsafeBuffer(new byte[64]), 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> view.forWrite(offHeap, 4090, 64));
    }
}
