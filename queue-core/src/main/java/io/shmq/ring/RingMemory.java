package io.shmq.ring;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Unchecked word access to a buffer of the ring (header or data area), for the hot paths only.
 *
 * <p>Every offset passed here was computed by the ring code itself: a position masked by the capacity, a constant
 * of {@link io.shmq.layout.QueueHeaderDescriptor}, or a record offset whose length {@link RingConsumer} validated
 * against the end of the data area before using it. Re-checking each access the way {@code UnsafeBuffer} does
 * cost about a third of an offer plus a read in the single-thread JMH benchmark (19 ns against 12 ns at 32 B).
 * Buffers the user hands in (an offer's source) are bounds-checked once per call, never per word.
 *
 * <p>The memory is the buffer's: whoever holds this object must hold the buffer (and its mapping) too.
 *
 * <p>Names say the memory ordering, as in JCTools: {@code lp}/{@code sp} plain load and store, {@code lv} load
 * with acquire semantics ({@code lvLongVolatile}: a full volatile load, where a later load must not pass it),
 * {@code so} ordered (release) store, {@code cas} compare-and-set.
 */
final class RingMemory
{
    /** Longest range {@link #zero} clears with word stores. */
    private static final int SHORT_ZEROING = 256;

    private final Object base;
    private final long address;
    private final int capacity;

    RingMemory(final AtomicBuffer buffer)
    {
        this.base = buffer.byteArray();
        this.address = buffer.addressOffset();
        this.capacity = buffer.capacity();
    }

    /**
     * For {@code assert}: that {@code bytes} at {@code offset} lie inside the buffer. Tests run with assertions on,
     * so every unchecked access of the hot paths is checked there; in production the JIT removes the check. A
     * copy outside the mapping would be a SIGSEGV, not an exception, so this is where such a bug must show.
     */
    boolean inBounds(final int offset, final int bytes)
    {
        if (offset < 0 || bytes < 0 || (long)offset + bytes > capacity)
        {
            throw new AssertionError("unchecked ring access outside its buffer: offset " + offset + ", " + bytes +
                " bytes, buffer of " + capacity + " bytes");
        }
        return true;
    }

    long lpLong(final int offset)
    {
        assert inBounds(offset, Long.BYTES);
        return UnsafeApi.getLong(base, address + offset);
    }

    long lvLong(final int offset)
    {
        assert inBounds(offset, Long.BYTES);
        return UnsafeApi.getLongAcquire(base, address + offset);
    }

    long lvLongVolatile(final int offset)
    {
        assert inBounds(offset, Long.BYTES);
        return UnsafeApi.getLongVolatile(base, address + offset);
    }

    boolean casLong(final int offset, final long expected, final long value)
    {
        assert inBounds(offset, Long.BYTES);
        return UnsafeApi.compareAndSetLong(base, address + offset, expected, value);
    }

    void spLong(final int offset, final long value)
    {
        assert inBounds(offset, Long.BYTES);
        UnsafeApi.putLong(base, address + offset, value);
    }

    void soLong(final int offset, final long value)
    {
        assert inBounds(offset, Long.BYTES);
        UnsafeApi.putLongRelease(base, address + offset, value);
    }

    /**
     * Zeroes {@code length} bytes (a multiple of 8) at {@code offset} (a multiple of 8): short ranges as word stores,
     * since on Java 17 {@code Unsafe.setMemory} is a call into the VM that costs more than a few stores.
     */
    void zero(final int offset, final int length)
    {
        assert inBounds(offset, length);
        if (length <= SHORT_ZEROING)
        {
            for (int i = 0; i < length; i += 8)
            {
                UnsafeApi.putLong(base, address + offset + i, 0L);
            }
        }
        else
        {
            UnsafeApi.setMemory(base, address + offset, length, (byte)0);
        }
    }

    /**
     * Copies {@code length} bytes of {@code src} (checked once against its bounds) to {@code offset}; payloads up
     * to 64 bytes as 8-byte words, since a generic copy costs more than such a copy itself.
     */
    void copyFrom(final int offset, final DirectBuffer src, final int srcIndex, final int length)
    {
        assert inBounds(offset, length);
        src.boundsCheck(srcIndex, length);
        final Object srcBase = src.byteArray();
        final long srcAddress = src.addressOffset() + srcIndex;
        final long dstAddress = address + offset;
        if (length <= 64)
        {
            int i = 0;
            for (; i + 8 <= length; i += 8)
            {
                UnsafeApi.putLong(base, dstAddress + i, UnsafeApi.getLong(srcBase, srcAddress + i));
            }
            for (; i < length; i++)
            {
                UnsafeApi.putByte(base, dstAddress + i, UnsafeApi.getByte(srcBase, srcAddress + i));
            }
        }
        else
        {
            UnsafeApi.copyMemory(srcBase, srcAddress, base, dstAddress, length);
        }
    }
}
