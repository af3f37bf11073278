package io.shmq.region;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What every region has in common: a buffer over its memory, a description, and a close that happens once and
 * leaves the buffer pointing at nothing, so a use after close fails as a bounds error instead of touching memory
 * that is no longer mapped. Subclasses say only how the memory goes away.
 */
public abstract class AbstractRegion implements Region
{
    private final UnsafeBuffer buffer;
    private final String description;
    private boolean closed;

    /**
     * A region over memory already mapped.
     *
     * @param buffer      a buffer over the whole region.
     * @param description what backs the region, for messages.
     */
    protected AbstractRegion(final UnsafeBuffer buffer, final String description)
    {
        this.buffer = buffer;
        this.description = description;
    }

    /**
     * {@inheritDoc}
     */
    public final AtomicBuffer buffer()
    {
        return buffer;
    }

    /**
     * {@inheritDoc}
     */
    public final int length()
    {
        return buffer.capacity();
    }

    /**
     * {@inheritDoc}
     */
    public final String description()
    {
        return description;
    }

    /**
     * {@inheritDoc}
     */
    public final synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * {@inheritDoc}
     */
    public final synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            buffer.wrap(new byte[0]);
            release();
        }
    }

    /**
     * Unmaps or detaches the memory; called once, by {@link #close()}, after the buffer stopped pointing at it.
     */
    protected abstract void release();

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return description;
    }
}
