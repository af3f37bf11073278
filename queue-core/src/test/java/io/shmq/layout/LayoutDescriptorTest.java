package io.shmq.layout;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static io.shmq.layout.QueueHeaderDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The descriptors say what docs/LAYOUT.md says: the magic's bytes, fields of different writers on different
 * 128-byte lines, and the header word's encoding.
 */
class LayoutDescriptorTest
{
    @Test
    void magicReadsShmqringInLittleEndian()
    {
        final byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(MAGIC).array();
        assertEquals("SHMQRING", new String(bytes, StandardCharsets.US_ASCII));
    }

    @Test
    void fieldsOfDifferentWritersSitOnDifferentLines()
    {
        final int identity = line(READY_OFFSET);
        final int producer = line(TAIL_POSITION_OFFSET);
        final int consumer = line(HEAD_POSITION_OFFSET);
        assertEquals(0, identity);
        assertEquals(1, producer);
        assertEquals(2, consumer);
        assertEquals(consumer, line(CONSUMED_POSITION_OFFSET));
        assertEquals(consumer, line(CONSUMER_HEARTBEAT_OFFSET));
        assertEquals(3, line(CONSUMER_OWNER_OFFSET));
        assertEquals(3, line(PRODUCER_OWNER_OFFSET));
        assertEquals(4, line(CONSUMER_WAITERS_OFFSET));
        assertEquals(4, line(CONSUMER_FUTEX_OFFSET));
        assertEquals(5, line(PRODUCER_WAITERS_OFFSET));
        assertEquals(5, line(PRODUCER_FUTEX_OFFSET));
        assertEquals(6, line(counterOffset(0)));
        assertEquals(6, line(counterOffset(COUNTER_COUNT - 1)));
        assertEquals(0, CONSUMER_FUTEX_OFFSET % 4, "futex words are 4-byte aligned");
        assertEquals(0, PRODUCER_FUTEX_OFFSET % 4, "futex words are 4-byte aligned");
        assertTrue(counterOffset(COUNTER_COUNT - 1) + 8 <= HEADER_LENGTH);
        assertEquals(0, HEADER_LENGTH % 4096, "data area is page aligned");
        assertThrows(IllegalArgumentException.class, () -> counterOffset(COUNTER_COUNT));
    }

    @Test
    void headerWordHoldsLengthLowAndTypeHigh()
    {
        final long word = RecordDescriptor.headerWord(7, 40);
        assertEquals(40, RecordDescriptor.recordLength(word));
        assertEquals(7, RecordDescriptor.msgTypeId(word));
        final byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(word).array();
        assertEquals(40, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(RecordDescriptor.LENGTH_OFFSET));
        assertEquals(7, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(RecordDescriptor.TYPE_OFFSET));

        final long claimed = RecordDescriptor.headerWord(Integer.MAX_VALUE, -40);
        assertEquals(-40, RecordDescriptor.recordLength(claimed));
        assertEquals(Integer.MAX_VALUE, RecordDescriptor.msgTypeId(claimed));
        final long padding = RecordDescriptor.headerWord(RecordDescriptor.PADDING_MSG_TYPE_ID, 64);
        assertEquals(RecordDescriptor.PADDING_MSG_TYPE_ID, RecordDescriptor.msgTypeId(padding));
        assertNotEquals(0, padding);
    }

    @Test
    void alignRoundsUpToPowersOfTwo()
    {
        assertEquals(8, RecordDescriptor.align(1, 8));
        assertEquals(8, RecordDescriptor.align(8, 8));
        assertEquals(64, RecordDescriptor.align(9, 64));
        assertEquals(128, RecordDescriptor.align(65, 64));
        assertEquals(0, RecordDescriptor.align(0, 64));
    }

    @Test
    void spscPacksRecordsLongerThanTheAlignmentAndMpscKeepsWholeSlots()
    {
        assertEquals(128, RecordDescriptor.span(8, 128, true));
        assertEquals(128, RecordDescriptor.span(128, 128, true));
        assertEquals(136, RecordDescriptor.span(129, 128, true));
        assertEquals(1032, RecordDescriptor.span(1032, 128, true));
        assertEquals(1152, RecordDescriptor.span(1032, 128, false));
        assertEquals(128, RecordDescriptor.span(8, 128, false));
        assertEquals(8, RecordDescriptor.span(8, 8, true));
        assertEquals(16, RecordDescriptor.span(9, 8, true));
        assertTrue(RecordDescriptor.startsInSlot(128, 128, true));
        assertFalse(RecordDescriptor.startsInSlot(129, 128, true));
        assertTrue(RecordDescriptor.startsInSlot(1032, 128, false));
    }

    @Test
    void ringKindsRoundTripThroughTheirCodes()
    {
        for (final RingKind kind : RingKind.values())
        {
            assertEquals(kind, RingKind.fromCode(kind.code()));
        }
        assertNull(RingKind.fromCode(0));
    }

    private static int line(final int offset)
    {
        return offset / LINE_LENGTH;
    }
}
