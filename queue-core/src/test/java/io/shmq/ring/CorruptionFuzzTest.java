package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.CorruptRecordException;
import io.shmq.errors.ShmqException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RecordDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input: each kind of damaged record header or header position stops the read with a
 * {@link CorruptRecordException} naming queue, position and value; random bytes written over the headers and
 * records of a live queue give a clear exception or records read inside the data area, never another exception,
 * a read outside the region, a crash or a hang.
 */
class CorruptionFuzzTest
{
    private static final int CAPACITY = 4096;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[512]);

    private ShmQueue queue(final String name, final RingKind kind, final int alignment)
    {
        return ShmQueue.create(name, QueueConfig.of(kind, CAPACITY).withMaxMessageLength(256)
            .withRecordAlignment(alignment).withDirectory(shm.path()));
    }

    private static AtomicBuffer data(final ShmQueue queue)
    {
        return new UnsafeBuffer(queue.region().buffer(), QueueHeaderDescriptor.HEADER_LENGTH, CAPACITY);
    }

    @Test
    void eachKindOfDamagedRecordHeaderIsReportedWithQueuePositionAndValue()
    {
        final Map<String, Long> cases = new TreeMap<>();
        cases.put("length beyond the max message length", RecordDescriptor.headerWord(1, 4000));
        cases.put("length shorter than a header", RecordDescriptor.headerWord(1, 3));
        cases.put("record running past the end of the data area", RecordDescriptor.headerWord(1, 200));
        cases.put("reserved message type", RecordDescriptor.headerWord(0, 16));
        cases.put("negative reserved message type", RecordDescriptor.headerWord(-7, 16));
        cases.put("padding running past the end", RecordDescriptor.headerWord(RecordDescriptor.PADDING_MSG_TYPE_ID, 8192));
        int n = 0;
        for (final Map.Entry<String, Long> bad : cases.entrySet())
        {
            try (ShmQueue queue = queue("bad-" + n++, RingKind.SPSC, 64))
            {
                final RingConsumer consumer = queue.consumer();
                // The past-the-end case needs a record near the end: put the bad header at the last slot.
                final int offset = bad.getKey().contains("past the end") ? CAPACITY - 64 : 0;
                if (offset != 0)
                {
                    final RingProducer producer = queue.producer();
                    while (producer.offer(1, src, 0, 56))
                    {
                        consumer.read((t, b, i, l) -> { }, 1);
                        if (consumer.headPosition() == CAPACITY - 64)
                        {
                            break;
                        }
                    }
                }
                data(queue).putLongRelease(offset, bad.getValue());
                final CorruptRecordException ex = assertThrows(CorruptRecordException.class,
                    () -> consumer.read((t, b, i, l) -> fail("delivered a damaged record"), 10), bad.getKey());
                assertTrue(ex.getMessage().contains("'" + queue.name() + "'"), ex.getMessage());
                assertTrue(ex.getMessage().contains("position " + ex.position()), ex.getMessage());
                assertTrue(ex.getMessage().contains(Long.toHexString(bad.getValue())), ex.getMessage());
                System.out.println("bad input '" + bad.getKey() + "': " + ex.getMessage());
            }
        }
    }

    @Test
    void damagedHeaderPositionsAreRefusedAtAttach()
    {
        final int[] offsets = { QueueHeaderDescriptor.HEAD_POSITION_OFFSET, QueueHeaderDescriptor.TAIL_POSITION_OFFSET,
            QueueHeaderDescriptor.CONSUMED_POSITION_OFFSET };
        final long[] values = { 3, -64, 1L << 40, Long.MAX_VALUE };
        int n = 0;
        for (final int offset : offsets)
        {
            for (final long value : values)
            {
                try (ShmQueue queue = queue("positions-" + n++, RingKind.MPSC, 64))
                {
                    queue.region().buffer().putLong(offset, value);
                    assertThrows(CorruptRecordException.class, queue::consumer,
                        "header offset " + offset + " = " + value);
                }
            }
        }
    }

    @Test
    void randomBytesOverALiveQueueGiveClearErrorsOrInBoundsRecordsNeverAnythingElse()
    {
        final SplittableRandom random = new SplittableRandom(7);
        final Map<String, Integer> outcomes = new TreeMap<>();
        final int rounds = 3000;
        for (int round = 0; round < rounds; round++)
        {
            final RingKind kind = random.nextBoolean() ? RingKind.SPSC : RingKind.MPSC;
            final int alignment = random.nextBoolean() ? 8 : 64;
            final String name = "fuzz-" + round;
            try (ShmQueue queue = queue(name, kind, alignment))
            {
                final RingProducer producer = queue.producer();
                RingConsumer consumer = queue.consumer();
                final int messages = random.nextInt(60);
                for (int i = 0; i < messages; i++)
                {
                    producer.offer(1 + random.nextInt(5), src, 0, random.nextInt(200));
                    if (random.nextInt(4) == 0)
                    {
                        consumer.read((t, b, i2, l) -> { }, random.nextInt(4));
                    }
                }
                final boolean reattach = random.nextInt(3) == 0;
                if (reattach)
                {
                    consumer.close();
                }
                final AtomicBuffer region = queue.region().buffer();
                final int writes = 1 + random.nextInt(4);
                for (int i = 0; i < writes; i++)
                {
                    final int at = random.nextInt(4) == 0 ?
                        QueueHeaderDescriptor.TAIL_POSITION_OFFSET + 8 * random.nextInt(3 * 16) :
                        QueueHeaderDescriptor.HEADER_LENGTH + 8 * random.nextInt(CAPACITY / 8);
                    region.putLong(at & ~7, randomWord(random));
                }
                String outcome;
                try
                {
                    if (reattach)
                    {
                        consumer = queue.consumer();
                    }
                    int delivered = 0;
                    for (int poll = 0; poll < 100; poll++)
                    {
                        delivered += consumer.read((t, b, index, length) ->
                        {
                            // Every byte of a delivered record lies inside the data area (the buffer checks).
                            for (int i = 0; i < length; i++)
                            {
                                b.getByte(index + i);
                            }
                        }, 1000);
                    }
                    outcome = delivered > 0 ? "records read" : "nothing to read";
                }
                catch (final CorruptRecordException ex)
                {
                    outcome = "CorruptRecordException";
                }
                catch (final ShmqException ex)
                {
                    outcome = ex.getClass().getSimpleName();
                }
                catch (final RuntimeException ex)
                {
                    throw new AssertionError("round " + round + ": not a clear error", ex);
                }
                outcomes.merge(outcome, 1, Integer::sum);
            }
            ShmQueue.delete(name, shm.path());
        }
        System.out.println("fuzz: " + rounds + " damaged live queues: " + outcomes);
        assertTrue(outcomes.getOrDefault("CorruptRecordException", 0) > 0, "the fuzzing did hit headers");
    }

    private static long randomWord(final SplittableRandom random)
    {
        switch (random.nextInt(5))
        {
            case 0:
                return random.nextLong();
            case 1:
                return RecordDescriptor.headerWord(random.nextInt(8) - 2, random.nextInt(300) - 20);
            case 2:
                return -random.nextInt(300);
            case 3:
                return random.nextInt(1 << 16);
            default:
                return 0;
        }
    }

    @Test
    void aQueueDeletedAndCreatedAgainUnderAWaitingConsumerIsReported()
    {
        try (ShmQueue old = queue("replaced", RingKind.SPSC, 64))
        {
            final RingConsumer consumer = old.consumer();
            assertEquals(false, consumer.awaitMessages(1000), "nothing yet, and no complaint");
            ShmQueue.delete("replaced", shm.path());
            assertEquals(false, consumer.awaitMessages(1000), "deleted: the mapping stays usable");
            try (ShmQueue fresh = queue("replaced", RingKind.SPSC, 64))
            {
                final ShmqException ex = assertThrows(ShmqException.class, () -> consumer.awaitMessages(1000));
                assertTrue(ex.getMessage().contains("replaced by another file"), ex.getMessage());
                assertTrue(fresh.producer().offer(1, src, 0, 8), "the new queue works");
            }
        }
    }

    @Test
    void aFileTruncatedUnderTheMappingGivesAClearError() throws IOException
    {
        try (ShmQueue queue = queue("truncated", RingKind.SPSC, 64))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer();
            assertTrue(producer.offer(1, src, 0, 100));
            try (FileChannel file = FileChannel.open(shm.path().resolve("shmq-truncated"), StandardOpenOption.WRITE))
            {
                file.truncate(QueueHeaderDescriptor.HEADER_LENGTH);
            }
            // The waiting paths check the file before they touch the memory (a read would fault: the JVM reports
            // that as an InternalError, in compiled code only later).
            final ShmqException ex = assertThrows(ShmqException.class, () -> consumer.awaitMessages(1000));
            assertTrue(ex.getMessage().contains("truncated to 4096 bytes"), ex.getMessage());
            final ShmqException full = assertThrows(ShmqException.class, () -> producer.awaitSpace(8, 1000));
            assertTrue(full.getMessage().contains("truncated"), full.getMessage());
        }
    }
}
