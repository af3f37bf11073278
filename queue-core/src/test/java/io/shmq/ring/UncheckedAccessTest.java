package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.region.Region;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot paths write through unchecked offsets ({@link RingMemory}); a wrong one is a SIGSEGV or silent damage
 * outside the ring, as the crash of a producer thread in a copy once showed. These tests run with assertions on,
 * so every unchecked access is checked against its buffer, and surround the ring with guard bytes that must stay
 * untouched while random offers, claims, aborts and reads of every length run over many laps.
 */
class UncheckedAccessTest
{
    private static final int GUARD = 4096;
    private static final byte GUARD_BYTE = (byte)0xA5;

    @Test
    void assertionsAreOnSoEveryUncheckedAccessIsChecked()
    {
        assertTrue(RingMemory.class.desiredAssertionStatus(), "run the tests with -ea (Surefire's default)");
    }

    @Test
    void anAccessOutsideTheBufferIsAnAssertionNotAWrite()
    {
        final byte[] bytes = new byte[GUARD + 1024 + GUARD];
        Arrays.fill(bytes, GUARD_BYTE);
        final RingMemory memory = new RingMemory(new UnsafeBuffer(bytes, GUARD, 1024));
        final byte[] before = bytes.clone();

        assertThrows(AssertionError.class, () -> memory.soLong(1024, 1L));
        assertThrows(AssertionError.class, () -> memory.spLong(-8, 1L));
        assertThrows(AssertionError.class, () -> memory.casLong(1020, 0L, 1L));
        assertThrows(AssertionError.class, () -> memory.lvLong(1024));
        assertThrows(AssertionError.class, () -> memory.zero(1016, 16));
        assertThrows(AssertionError.class, () -> memory.copyFrom(1000, new UnsafeBuffer(new byte[64]), 0, 64));
        assertArrayEquals(before, bytes, "nothing was written");

        memory.soLong(1016, 1L);
        memory.copyFrom(960, new UnsafeBuffer(new byte[64]), 0, 56);
        memory.zero(0, 1024);
    }

    @ParameterizedTest
    @EnumSource(RingKind.class)
    void randomOperationsOfEveryLengthStayInsideTheRing(final RingKind kind)
    {
        final SplittableRandom random = new SplittableRandom(kind.ordinal() * 7919L + 17);
        for (final int capacity : new int[] { 1024, 4096, 65536 })
        {
            for (final int alignment : new int[] { 8, 64, 128 })
            {
                fuzz(kind, capacity, alignment, random.split());
            }
        }
    }

    private static void fuzz(final RingKind kind, final int capacity, final int alignment, final SplittableRandom random)
    {
        final QueueConfig config = QueueConfig.of(kind, capacity).withRecordAlignment(alignment);
        final GuardedRegion region = new GuardedRegion(QueueHeaderDescriptor.HEADER_LENGTH + capacity);
        ShmQueue.initialize(region.buffer(), "guarded", config);
        final String what = kind + " capacity " + capacity + " alignment " + alignment;
        try (ShmQueue queue = ShmQueue.attach("guarded", region, config))
        {
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer();
            final SlotClaim claim = new SlotClaim();
            final int maxLength = queue.maxMessageLength();
            final UnsafeBuffer source = new UnsafeBuffer(new byte[maxLength]);
            final ArrayDeque<long[]> sent = new ArrayDeque<>();
            final long[] nextSequence = { 0 };
            final long[] received = { 0 };
            final long laps = 40L * capacity;
            long bytesSent = 0;
            while (bytesSent < laps)
            {
                final int op = random.nextInt(10);
                if (op < 4)
                {
                    final int length = randomLength(random, maxLength);
                    final long sequence = nextSequence[0];
                    fill(source, 0, length, sequence);
                    if (producer.offer(1 + (int)(sequence & 0xFF), source, 0, length))
                    {
                        sent.add(new long[] { sequence, length });
                        nextSequence[0]++;
                        bytesSent += length + 8;
                    }
                }
                else if (op < 7)
                {
                    final int length = randomLength(random, maxLength);
                    final long sequence = nextSequence[0];
                    if (producer.claim(1 + (int)(sequence & 0xFF), length, claim))
                    {
                        fill(claim.buffer(), claim.offset(), length, sequence);
                        if (random.nextInt(4) == 0)
                        {
                            claim.abort();
                        }
                        else
                        {
                            claim.commit();
                            sent.add(new long[] { sequence, length });
                            nextSequence[0]++;
                            bytesSent += length + 8;
                        }
                    }
                }
                else
                {
                    consumer.read((type, buffer, index, length) ->
                    {
                        final long[] expected = sent.poll();
                        assertEquals(expected[1], length, what + ": length of message " + expected[0]);
                        assertEquals(1 + (int)(expected[0] & 0xFF), type, what + ": type of message " + expected[0]);
                        for (int i = 0; i < length; i++)
                        {
                            if (buffer.getByte(index + i) != patternByte(expected[0], i))
                            {
                                throw new AssertionError(what + ": message " + expected[0] + " byte " + i);
                            }
                        }
                        received[0]++;
                    }, 1 + random.nextInt(300));
                }
            }
            while (consumer.read((type, buffer, index, length) -> { sent.poll(); received[0]++; }, 1024) > 0)
            {
                // drain
            }
            assertEquals(nextSequence[0], received[0], what + ": every committed message arrived");
            region.assertGuardsIntact(what);
        }
    }

    private static int randomLength(final SplittableRandom random, final int maxLength)
    {
        switch (random.nextInt(4))
        {
            case 0: return random.nextInt(Math.min(maxLength, 16) + 1);
            case 1: return random.nextInt(Math.min(maxLength, 200) + 1);
            case 2: return maxLength - random.nextInt(Math.min(maxLength, 16) + 1);
            default: return random.nextInt(maxLength + 1);
        }
    }

    private static void fill(final MutableDirectBuffer buffer, final int index, final int length,
        final long sequence)
    {
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(index + i, patternByte(sequence, i));
        }
    }

    private static byte patternByte(final long sequence, final int i)
    {
        return (byte)(sequence * 31 + i);
    }

    /**
     * A region in a heap array with guard bytes on both sides: what a stray write would hit.
     */
    private static final class GuardedRegion implements Region
    {
        private final byte[] bytes;
        private final UnsafeBuffer buffer;
        private boolean closed;

        GuardedRegion(final int length)
        {
            bytes = new byte[GUARD + length + GUARD];
            Arrays.fill(bytes, 0, GUARD, GUARD_BYTE);
            Arrays.fill(bytes, GUARD + length, bytes.length, GUARD_BYTE);
            // 8-byte aligned: the ring's words are accessed atomically.
            buffer = new UnsafeBuffer(bytes, GUARD, length);
        }

        void assertGuardsIntact(final String what)
        {
            for (int i = 0; i < GUARD; i++)
            {
                assertEquals(GUARD_BYTE, bytes[i], what + ": guard byte " + (i - GUARD) + " before the region");
                assertEquals(GUARD_BYTE, bytes[GUARD + buffer.capacity() + i],
                    what + ": guard byte " + i + " after the region");
            }
        }

        public AtomicBuffer buffer()
        {
            return buffer;
        }

        public int length()
        {
            return buffer.capacity();
        }

        public String description()
        {
            return "guarded heap region";
        }

        public boolean isClosed()
        {
            return closed;
        }

        public void close()
        {
            closed = true;
        }
    }
}
