package io.shmq.ring;

import io.shmq.errors.QueueClosedException;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeader;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RecordDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.ControlledMessageHandler.Action;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Single-threaded semantics of both ring kinds: empty, full, exactly full, wrap with padding, oversize and
 * zero-length messages, claim/commit/abort, controlled reads and type ids.
 */
class RingSemanticsTest
{
    private static final int CAPACITY = 1024;
    private static final int ALIGNMENT = 64;

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final List<ShmQueue> queues = new ArrayList<>();
    private final UnsafeBuffer src = new UnsafeBuffer(new byte[4096]);

    @AfterEach
    void closeQueues()
    {
        queues.forEach(ShmQueue::close);
    }

    private ShmQueue queue(final RingKind kind)
    {
        final ShmQueue queue = ShmQueue.create("ring-" + kind, QueueConfig.of(kind, CAPACITY)
            .withDirectory(shm.path()).withRecordAlignment(ALIGNMENT));
        queues.add(queue);
        return queue;
    }

    /** Bytes of records a ring can hold at once: all of it, for both kinds (no slot is kept free). */
    private static final int USABLE = CAPACITY;

    private boolean offer(final RingProducer producer, final int type, final long value, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            src.putByte(i, (byte)(value + i));
        }
        return producer.offer(type, src, 0, length);
    }

    /**
     * Offers messages of one slot each (56-byte payload + 8-byte header) until the ring is full.
     *
     * @return how many it took.
     */
    private int fillWithOneSlotMessages(final RingProducer producer)
    {
        int accepted = 0;
        while (offer(producer, 1, accepted, 56))
        {
            accepted++;
        }
        return accepted;
    }

    private static List<long[]> drain(final RingConsumer consumer)
    {
        final List<long[]> seen = new ArrayList<>();
        consumer.read((type, buffer, index, length) ->
        {
            final long first = length == 0 ? -1 : buffer.getByte(index);
            for (int i = 0; i < length; i++)
            {
                assertEquals((byte)(first + i), buffer.getByte(index + i), "payload byte " + i);
            }
            seen.add(new long[]{ type, first, length });
        }, Integer.MAX_VALUE);
        return seen;
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void emptyRingReadsNothing(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingConsumer consumer = queue.consumer();
        assertEquals(0, consumer.read((t, b, i, l) -> { throw new AssertionError("no message expected"); }, 10));
        assertEquals(0, consumer.headPosition());
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void fullRingRefusesAtOnceAndAcceptsAgainAfterRead(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        final int accepted = fillWithOneSlotMessages(producer);
        assertEquals(USABLE / ALIGNMENT, accepted, "messages held by a full ring");
        assertFalse(offer(producer, 1, 99, 0), "even an empty message does not fit a full ring");

        final List<long[]> first = new ArrayList<>();
        assertEquals(1, consumer.read((t, b, i, l) -> first.add(new long[]{ b.getByte(i) }), 1));
        assertEquals(0, first.get(0)[0]);
        assertTrue(offer(producer, 1, 100, 56), "room for one after one was read");
        assertFalse(offer(producer, 1, 101, 56));
        assertEquals(accepted, drain(consumer).size());
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void deferredReleaseFreesTheSpaceAtTheNextCallAndNotBefore(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer().deferRelease(true);
        final int accepted = fillWithOneSlotMessages(producer);
        final QueueHeader header = queue.header();
        final long head = header.headPosition();

        assertEquals(1, consumer.read((t, b, i, l) -> { }, 1));
        assertEquals(head + ALIGNMENT, consumer.headPosition(), "the consumer moved on");
        assertEquals(head, header.headPosition(), "but the space is still held");
        assertFalse(offer(producer, 1, 100, 56), "no room before the next call");

        assertEquals(0, consumer.read((t, b, i, l) -> { }, 0), "a call that reads nothing");
        assertEquals(head + ALIGNMENT, header.headPosition(), "released by the next call");
        assertTrue(offer(producer, 1, 100, 56));

        assertEquals(2, consumer.controlledRead((t, b, i, l) -> ControlledMessageHandler.Action.CONTINUE, 2));
        consumer.awaitMessages(0);
        assertEquals(head + 3 * ALIGNMENT, header.headPosition(), "awaitMessages releases before it waits");

        assertEquals(1, consumer.read((t, b, i, l) -> { }, 1));
        consumer.deferRelease(false);
        assertEquals(head + 4 * ALIGNMENT, header.headPosition(), "turning it off releases what is pending");

        consumer.deferRelease(true);
        assertEquals(1, consumer.read((t, b, i, l) -> { }, 1));
        consumer.close();
        assertEquals(head + 5 * ALIGNMENT, header.headPosition(), "close releases what is pending");
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void aBatchCoveringTheRingReleasesEachQuarterBeforeItEnds(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        final int accepted = fillWithOneSlotMessages(producer);
        final int perQuarter = CAPACITY / 4 / ALIGNMENT;
        final List<Boolean> roomWhileReading = new ArrayList<>();
        assertEquals(accepted, consumer.read((t, b, i, l) ->
            roomWhileReading.add(offer(producer, 2, 0, 56 + ALIGNMENT)), Integer.MAX_VALUE));

        // A quarter (four one-slot messages) is released once its last message was handled: while the next
        // quarter is handled, its four slots take two two-slot messages, then the ring is full again. Without
        // releases within the batch, no offer would succeed until the read returned.
        for (int handled = 0; handled < accepted; handled++)
        {
            final boolean expected = handled >= perQuarter && handled % perQuarter < 2;
            assertEquals(expected, roomWhileReading.get(handled),
                "room for a two-slot message while handling message " + handled + " of a full ring");
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void payloadOfAConsumedRecordNeverPosesAsAHeaderInALaterLap(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        final long fakeHeader = RecordDescriptor.headerWord(5, 16);
        for (int round = 0; round < 40; round++)
        {
            // A long record whose payload is nothing but words that look like committed records, read at once...
            for (int i = 0; i + 8 <= 120; i += 8)
            {
                src.putLong(i, fakeHeader);
            }
            assertTrue(producer.offer(7, src, 0, 120));
            assertEquals(1, consumer.read((t, b, i, l) -> assertEquals(7, t), Integer.MAX_VALUE));
            // ...then short ones, which start where that payload lay on later laps.
            for (int k = 0; k < 1 + round % 5; k++)
            {
                assertTrue(offer(producer, 2, round, 8));
            }
            final List<long[]> seen = drain(consumer);
            assertEquals(1 + round % 5, seen.size(), "round " + round + ": only the real messages");
            for (final long[] message : seen)
            {
                assertEquals(2, message[0], "round " + round + ": type of a real message");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void exactlyFullRingHoldsRecordsOfEveryAlignedLength(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        // Fill to the last byte: 128-byte records while they fit, then 64-byte ones.
        int filled = 0;
        int count = 0;
        final List<Integer> lengths = new ArrayList<>();
        while (filled < USABLE)
        {
            final int payload = filled + 128 <= USABLE ? 120 : 56;
            assertTrue(offer(producer, 2, count, payload), "record " + count);
            lengths.add(payload);
            filled += payload + 8;
            count++;
        }
        assertEquals(USABLE, filled);
        assertFalse(offer(producer, 2, 0, 0), "exactly full");
        final List<long[]> seen = drain(consumer);
        assertEquals(count, seen.size());
        for (int i = 0; i < count; i++)
        {
            assertEquals(i, seen.get(i)[1]);
            assertEquals((long)lengths.get(i), seen.get(i)[2]);
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void recordThatWouldCrossTheEndIsPrecededByPadding(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        // Records of 108-112 bytes are longer than the 64-byte alignment: an SPSC ring packs them, 112 bytes each
        // (560 a round), an MPSC ring gives each two slots (640 a round); neither divides the ring, so the wrap
        // falls on many offsets in turn.
        long value = 0;
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 5; i++)
            {
                assertTrue(offer(producer, 3, value++, 100 + i));
            }
            final List<long[]> seen = drain(consumer);
            assertEquals(5, seen.size(), "round " + round);
            for (int i = 0; i < 5; i++)
            {
                assertEquals((byte)(value - 5 + i), (byte)seen.get(i)[1], "round " + round + " message " + i);
                assertEquals(100 + i, seen.get(i)[2]);
            }
        }
        // 50 rounds x 560 bytes went through a 1 KiB ring: the head moved past many wraps and paddings.
        assertTrue(consumer.headPosition() > 27 * CAPACITY, "head " + consumer.headPosition());
        assertEquals(0, consumer.headPosition() % 8);
    }

    @org.junit.jupiter.api.Test
    void spscPacksLongRecordsAndStartsAShortOneAtTheNextSlot()
    {
        final ShmQueue queue = queue(RingKind.SPSC);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        // 100-byte payloads make 108-byte records, longer than the 64-byte alignment: packed, 112 bytes each.
        assertTrue(offer(producer, 1, 10, 100));
        assertTrue(offer(producer, 1, 20, 100));
        assertEquals(2, drain(consumer).size());
        assertEquals(224, consumer.headPosition(), "two packed records of 112 bytes");

        // A small record (16 bytes) starts at the next multiple of the alignment, after a padding record.
        assertTrue(offer(producer, 2, 30, 8));
        final List<long[]> seen = drain(consumer);
        assertEquals(1, seen.size(), "the padding before it is not delivered");
        assertEquals(2, seen.get(0)[0]);
        assertEquals(256 + ALIGNMENT, consumer.headPosition(), "32 bytes of padding, then one slot");
    }

    @org.junit.jupiter.api.Test
    void mpscGivesEveryRecordWholeSlots()
    {
        final ShmQueue queue = queue(RingKind.MPSC);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        assertTrue(offer(producer, 1, 10, 100));
        assertTrue(offer(producer, 2, 30, 8));
        assertEquals(2, drain(consumer).size());
        assertEquals(2 * ALIGNMENT + ALIGNMENT, consumer.headPosition(), "108 bytes take two slots, 16 one");
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void paddingIsWrittenAtTheWrapAndSkippedByTheConsumer(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        for (int i = 0; i < 7; i++)
        {
            assertTrue(offer(producer, 1, i, 120));
        }
        assertTrue(offer(producer, 1, 7, 56));
        assertEquals(8, drain(consumer).size());
        // Tail at 960: a 128-byte record does not fit before 1024, so 64 bytes of padding go first.
        assertTrue(offer(producer, 1, 42, 120));
        final long paddingWord = queue.region().buffer().getLong(QueueHeaderDescriptor.HEADER_LENGTH + 960);
        assertEquals(-1, (int)(paddingWord >>> 32), "padding type id");
        assertEquals(64, (int)paddingWord, "padding length");
        final List<long[]> seen = drain(consumer);
        assertEquals(1, seen.size());
        assertEquals(42, seen.get(0)[1]);
        assertEquals(120, seen.get(0)[2]);
        assertEquals(960 + 64 + 128, consumer.headPosition());
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void oversizeMessageIsRefusedWithItsLimitAndZeroLengthIsDelivered(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        assertEquals(CAPACITY / 8 - 8, producer.maxMessageLength());
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> producer.offer(1, src, 0, producer.maxMessageLength() + 1));
        assertTrue(ex.getMessage().contains("max message length"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> producer.offer(1, src, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> producer.claim(1, 1 << 20, new SlotClaim()));

        assertTrue(producer.offer(9, src, 0, 0));
        assertTrue(offer(producer, 9, 5, producer.maxMessageLength()));
        final List<long[]> seen = drain(consumer);
        assertEquals(2, seen.size());
        assertArrayEquals(new long[]{ 9, -1, 0 }, seen.get(0));
        assertEquals(producer.maxMessageLength(), seen.get(1)[2]);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void typeIdsAreDeliveredAndReservedOnesRefused(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();

        assertThrows(IllegalArgumentException.class, () -> producer.offer(0, src, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> producer.offer(-1, src, 0, 1));
        assertTrue(offer(producer, 1, 0, 4));
        assertTrue(offer(producer, Integer.MAX_VALUE, 0, 4));
        assertTrue(offer(producer, 77, 0, 4));
        final List<long[]> seen = drain(consumer);
        assertEquals(1, seen.get(0)[0]);
        assertEquals(Integer.MAX_VALUE, seen.get(1)[0]);
        assertEquals(77, seen.get(2)[0]);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void claimWritesInPlaceAndCommitPublishes(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        final SlotClaim claim = new SlotClaim();

        assertTrue(producer.claim(5, 16, claim));
        assertEquals(16, claim.length());
        claim.buffer().putLong(claim.offset(), 0x1122334455667788L);
        claim.buffer().putLong(claim.offset() + 8, 42L);
        assertEquals(0, consumer.read((t, b, i, l) -> { throw new AssertionError("not committed yet"); }, 10));
        claim.commit();
        assertThrows(IllegalStateException.class, claim::commit, "commit is once");

        final long[] got = new long[3];
        assertEquals(1, consumer.read((t, b, i, l) ->
        {
            got[0] = t;
            got[1] = b.getLong(i);
            got[2] = b.getLong(i + 8);
        }, 10));
        assertArrayEquals(new long[]{ 5, 0x1122334455667788L, 42L }, got);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void abortedClaimIsNeverDelivered(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        final SlotClaim claim = new SlotClaim();

        for (int i = 0; i < 40; i++)
        {
            assertTrue(producer.claim(6, 40, claim));
            claim.buffer().putLong(claim.offset(), -1L);
            claim.abort();
            assertThrows(IllegalStateException.class, claim::abort, "abort is once");
            assertTrue(offer(producer, 7, i, 8));
            final List<long[]> seen = drain(consumer);
            assertEquals(1, seen.size(), "round " + i);
            assertEquals(7, seen.get(0)[0]);
            assertEquals((byte)i, (byte)seen.get(0)[1]);
        }
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void payloadOfAnAbortedClaimNeverPosesAsAHeader(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        final SlotClaim claim = new SlotClaim();

        for (int round = 0; round < 30; round++)
        {
            // A payload full of words that look like committed 16-byte records, then thrown away.
            assertTrue(producer.claim(1, 120, claim));
            for (int i = 0; i + 8 <= 120; i += 8)
            {
                claim.buffer().putLong(claim.offset() + i, RecordDescriptor.headerWord(5, 16));
            }
            claim.abort();
            assertTrue(offer(producer, 2, round, 8));
            final List<long[]> seen = drain(consumer);
            assertEquals(1, seen.size(), "round " + round + ": only the real message");
            assertEquals(2, seen.get(0)[0]);
        }
    }

    @org.junit.jupiter.api.Test
    void spscProducerReplacingOneThatDiedHoldingAClaimIgnoresItsPayload()
    {
        final ShmQueue queue = queue(RingKind.SPSC);
        final RingConsumer consumer = queue.consumer();
        final RingProducer first = queue.producer();
        assertTrue(offer(first, 1, 0, 8));
        assertEquals(1, drain(consumer).size());

        final SlotClaim claim = new SlotClaim();
        assertTrue(first.claim(1, 120, claim));
        for (int i = 0; i + 8 <= 120; i += 8)
        {
            claim.buffer().putLong(claim.offset() + i, RecordDescriptor.headerWord(5, 16));
        }
        // The producer "dies": its role is given up without commit or abort.
        first.close();

        final RingProducer second = queue.producer();
        assertTrue(offer(second, 2, 1, 8));
        final List<long[]> seen = drain(consumer);
        assertEquals(1, seen.size(), "only the successor's message, none of the dead claim's payload");
        assertEquals(2, seen.get(0)[0]);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void secondClaimBeforeCommitIsRefused(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final SlotClaim claim = new SlotClaim();
        assertTrue(producer.claim(1, 8, claim));
        assertThrows(IllegalStateException.class, () -> producer.claim(1, 8, claim));
        claim.commit();
        assertTrue(producer.claim(1, 8, claim));
        claim.abort();
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void controlledReadFollowsEachAction(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        for (int i = 0; i < 6; i++)
        {
            assertTrue(offer(producer, 1, i, 8));
        }
        final long[] last = new long[1];

        // ABORT: the message stays, nothing consumed.
        assertEquals(0, consumer.controlledRead((t, b, i, l) -> Action.ABORT, 10));
        assertEquals(0, consumer.headPosition());

        // BREAK: this one consumed, then stop.
        assertEquals(1, consumer.controlledRead((t, b, i, l) ->
        {
            last[0] = b.getByte(i);
            return Action.BREAK;
        }, 10));
        assertEquals(0, last[0]);
        assertEquals(ALIGNMENT, consumer.headPosition());

        // COMMIT: consumed and released at once (the head moves inside the handler's batch), then continue.
        final List<Long> headsSeen = new ArrayList<>();
        assertEquals(2, consumer.controlledRead((t, b, i, l) ->
        {
            headsSeen.add(queue.header().headPosition());
            return Action.COMMIT;
        }, 2));
        assertEquals(List.of((long)ALIGNMENT, 2L * ALIGNMENT), headsSeen);
        assertEquals(3L * ALIGNMENT, consumer.headPosition());

        // CONTINUE then ABORT on the second: one consumed, the aborted one is delivered again next time.
        final int[] calls = new int[1];
        assertEquals(1, consumer.controlledRead((t, b, i, l) -> ++calls[0] == 2 ? Action.ABORT : Action.CONTINUE, 10));
        assertEquals(4L * ALIGNMENT, consumer.headPosition());
        final List<long[]> rest = drain(consumer);
        assertEquals(2, rest.size());
        assertEquals(4, rest.get(0)[1]);
        assertEquals(5, rest.get(1)[1]);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void messageWhoseHandlerThrowsIsConsumed(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        assertTrue(offer(producer, 1, 0, 8));
        assertTrue(offer(producer, 1, 1, 8));
        assertThrows(IllegalStateException.class,
            () -> consumer.read((t, b, i, l) -> { throw new IllegalStateException("handler failed"); }, 10));
        final List<long[]> rest = drain(consumer);
        assertEquals(1, rest.size());
        assertEquals(1, rest.get(0)[1]);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void readLimitBoundsTheBatch(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        for (int i = 0; i < 5; i++)
        {
            assertTrue(offer(producer, 1, i, 8));
        }
        assertEquals(2, consumer.read((t, b, i, l) -> { }, 2));
        assertEquals(3, consumer.read((t, b, i, l) -> { }, 10));
        assertEquals(0, consumer.read((t, b, i, l) -> { }, 10));
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void closedEndpointsRefuseUse(final RingKind kind)
    {
        final ShmQueue queue = queue(kind);
        final RingProducer producer = queue.producer();
        final RingConsumer consumer = queue.consumer();
        queue.close();
        assertThrows(QueueClosedException.class, () -> producer.offer(1, src, 0, 8));
        assertThrows(QueueClosedException.class, () -> consumer.read((t, b, i, l) -> { }, 1));
        assertThrows(QueueClosedException.class, queue::consumer);
    }
}
