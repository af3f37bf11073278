package io.shmq.ring;

import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RecordDescriptor;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The validated shape of one ring in a region: header and data buffers, capacity, alignment and the largest
 * message, plus the queue's name for messages. Built once at attach, after the header was checked.
 */
public final class RingGeometry
{
    private final AtomicBuffer header;
    private final AtomicBuffer data;
    private final int capacity;
    private final int alignment;
    private final int maxMessageLength;
    private final String queue;

    /**
     * A geometry over {@code region}, whose header must already be validated.
     *
     * @param region           the whole region: header then data area.
     * @param capacity         data area length, a power of two.
     * @param alignment        record alignment, a power of two from 8 to 128.
     * @param maxMessageLength largest payload length.
     * @param queue            how to name the queue in messages.
     */
    public RingGeometry(
        final AtomicBuffer region, final int capacity, final int alignment, final int maxMessageLength,
        final String queue)
    {
        if (region.capacity() < QueueHeaderDescriptor.HEADER_LENGTH + capacity)
        {
            throw new IllegalArgumentException(queue + ": region of " + region.capacity() +
                " bytes cannot hold the header and " + capacity + " bytes of data");
        }
        if (Integer.bitCount(alignment) != 1 || alignment < RecordDescriptor.MIN_ALIGNMENT ||
            alignment > RecordDescriptor.MAX_ALIGNMENT)
        {
            throw new IllegalArgumentException(queue + ": record alignment must be a power of two in 8..128: " +
                alignment);
        }
        this.header = new UnsafeBuffer(region, 0, QueueHeaderDescriptor.HEADER_LENGTH);
        this.data = new UnsafeBuffer(region, QueueHeaderDescriptor.HEADER_LENGTH, capacity);
        this.capacity = capacity;
        this.alignment = alignment;
        this.maxMessageLength = maxMessageLength;
        this.queue = queue;
    }

    /**
     * The queue header.
     *
     * @return a buffer over the header.
     */
    public AtomicBuffer header()
    {
        return header;
    }

    /**
     * The data area.
     *
     * @return a buffer over the ring's records.
     */
    public AtomicBuffer data()
    {
        return data;
    }

    /**
     * Data area length.
     *
     * @return the capacity in bytes.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * Record alignment.
     *
     * @return the alignment in bytes.
     */
    public int alignment()
    {
        return alignment;
    }

    /**
     * Largest payload.
     *
     * @return the maximum message length.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * The queue's name for messages.
     *
     * @return e.g. {@code queue 'orders' (file /dev/shm/shmq-orders)}.
     */
    public String queue()
    {
        return queue;
    }
}
