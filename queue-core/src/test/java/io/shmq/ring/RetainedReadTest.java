package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.ControlledMessageHandler.Action;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Store and forward: a consumer that retains what it reads gives space back only through {@code releaseTo}, reads
 * the unreleased part again after {@code rewind}, and leaves it to its successor when it closes.
 */
class RetainedReadTest
{
    private static final int CAPACITY = 1024;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);

    private QueueConfig config(final RingKind kind)
    {
        return QueueConfig.of(kind, CAPACITY).withDirectory(shm.path());
    }

    private boolean offer(final RingProducer producer, final long value)
    {
        src.putLong(0, value);
        return producer.offer(1, src, 0, Long.BYTES);
    }

    /** Reads everything there is; each entry: the value and the position its message ends at. */
    private static List<long[]> readAll(final RingConsumer consumer)
    {
        final List<long[]> read = new ArrayList<>();
        consumer.controlledRead((type, buffer, index, length) ->
        {
            read.add(new long[]{ buffer.getLong(index), consumer.headPosition() });
            return Action.CONTINUE;
        }, Integer.MAX_VALUE);
        return read;
    }

    private static List<Long> values(final List<long[]> read)
    {
        final List<Long> values = new ArrayList<>();
        read.forEach(entry -> values.add(entry[0]));
        return values;
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void retainedMessagesStayUntilReleasedAndARewindReadsTheRestAgain(final RingKind kind)
    {
        try (ShmQueue queue = ShmQueue.create("retain-" + kind, config(kind)))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().retainUntilReleased(true);
            final long start = queue.header().headPosition();
            for (long i = 1; i <= 3; i++)
            {
                assertTrue(offer(producer, i));
            }
            final List<long[]> read = readAll(consumer);
            assertEquals(List.of(1L, 2L, 3L), values(read));
            assertEquals(read.get(2)[1], consumer.headPosition());
            assertEquals(start, queue.header().headPosition(), "nothing released by the read");
            assertEquals(start, consumer.releasedPosition());
            consumer.prepareToWait();
            assertEquals(start, queue.header().headPosition(), "nor by getting ready to sleep");

            consumer.releaseTo(read.get(1)[1]);
            assertEquals(read.get(1)[1], queue.header().headPosition());
            assertEquals(read.get(1)[1], consumer.releasedPosition());
            assertEquals(List.of(), values(readAll(consumer)), "the read position stays where it was");

            consumer.rewind();
            assertEquals(List.of(3L), values(readAll(consumer)), "only the unreleased message again");
            consumer.rewind();
            assertEquals(List.of(3L), values(readAll(consumer)));
            assertTrue(offer(producer, 4));
            assertEquals(List.of(4L), values(readAll(consumer)));
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void aSuccessorReadsWhatWasRetainedButNotReleased(final RingKind kind)
    {
        final List<long[]> read;
        try (ShmQueue queue = ShmQueue.create("successor-" + kind, config(kind)))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().retainUntilReleased(true);
            for (long i = 1; i <= 3; i++)
            {
                assertTrue(offer(producer, i));
            }
            read = readAll(consumer);
            consumer.releaseTo(read.get(0)[1]);
        }
        try (ShmQueue queue = ShmQueue.open("successor-" + kind, config(kind)))
        {
            assertEquals(List.of(2L, 3L), values(readAll(queue.consumer())));
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void retainedMessagesHoldTheirSpaceUntilReleased(final RingKind kind)
    {
        try (ShmQueue queue = ShmQueue.create("full-" + kind, config(kind)))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().retainUntilReleased(true);
            long sent = 0;
            while (offer(producer, sent))
            {
                sent++;
            }
            final List<long[]> read = readAll(consumer);
            assertEquals(sent, read.size());
            assertFalse(offer(producer, sent), "the ring stays full while everything read is retained");
            consumer.releaseTo(read.get(0)[1]);
            assertTrue(offer(producer, sent), "one message's room after releasing one");
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void aReleasePositionOutsideTheReadPartOrInsideARecordIsRefused(final RingKind kind)
    {
        try (ShmQueue queue = ShmQueue.create("refused-" + kind, config(kind)))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().retainUntilReleased(true);
            assertTrue(offer(producer, 1));
            assertTrue(offer(producer, 2));
            final long start = consumer.releasedPosition();
            final List<long[]> read = readAll(consumer);
            final long end = read.get(1)[1];

            final IllegalArgumentException inside =
                assertThrows(IllegalArgumentException.class, () -> consumer.releaseTo(start + 8));
            assertTrue(inside.getMessage().contains("inside the record"), inside.getMessage());
            assertThrows(IllegalArgumentException.class, () -> consumer.releaseTo(end + 64));
            consumer.releaseTo(read.get(0)[1]);
            assertThrows(IllegalArgumentException.class, () -> consumer.releaseTo(start));
            assertEquals(read.get(0)[1], queue.header().headPosition(), "a refused release changes nothing");
            consumer.releaseTo(end);
            assertEquals(end, queue.header().headPosition());
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void turningRetentionOffReleasesEverythingRead(final RingKind kind)
    {
        try (ShmQueue queue = ShmQueue.create("off-" + kind, config(kind)))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().retainUntilReleased(true);
            assertTrue(offer(producer, 1));
            final List<long[]> read = readAll(consumer);
            consumer.retainUntilReleased(false);
            assertEquals(read.get(0)[1], queue.header().headPosition());
            assertEquals(read.get(0)[1], consumer.releasedPosition());
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void releasesCheckedFromRecentReadEndsStillRefuseAPositionInsideARecord(final RingKind kind)
    {
        try (ShmQueue queue = ShmQueue.create("read-ends-" + kind, config(kind)))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer().retainUntilReleased(true);
            long next = 0;
            long expected = 0;
            // Many laps of the ring, one message per read, so that every message end is a remembered read end.
            for (int lap = 0; lap < 40; lap++)
            {
                while (offer(producer, next))
                {
                    next++;
                }
                final List<long[]> read = new ArrayList<>();
                while (consumer.controlledRead((type, buffer, index, length) ->
                {
                    read.add(new long[]{ buffer.getLong(index), consumer.headPosition() });
                    return Action.CONTINUE;
                }, 1) == 1)
                {
                    assertEquals(expected++, read.get(read.size() - 1)[0]);
                }
                final long half = read.get(read.size() / 2)[1];
                final long previous = read.get(read.size() / 2 - 1)[1];
                final IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                    () -> consumer.releaseTo(half - 8), "a read end lies just before it, the record's end after");
                assertTrue(inside.getMessage().contains("inside the record"), inside.getMessage());
                consumer.releaseTo(previous);
                consumer.rewind();
                expected = read.get(read.size() / 2)[0];
                assertEquals(List.of(expected), values(readAll(consumer)).subList(0, 1), "rewound to the release");
                expected = read.get(read.size() - 1)[0] + 1;
                consumer.releaseTo(read.get(read.size() - 1)[1]);
                assertEquals(read.get(read.size() - 1)[1], queue.header().headPosition());
            }
            assertTrue(consumer.releasedPosition() > 30L * CAPACITY, "the ring went round many times");
        }
    }
}
