package io.shmq.wait;

import org.agrona.concurrent.AtomicBuffer;

/**
 * The words one thread sleeps on at once: an event loop serving several rings sleeps until any of their doorbells
 * rings, or its own wake-up word moves. Filled before each sleep (each entry a word and the value it held when
 * the sleeper {@link Doorbell#announce() announced} itself), handed to {@link Waiter#awaitAny}, cleared after.
 *
 * <p>Not thread-safe; allocation-free once constructed.
 */
public final class WaitList
{
    private final AtomicBuffer[] buffers;
    private final int[] offsets;
    private final int[] expected;
    private int size;

    /**
     * An empty list of at most {@code capacity} words.
     *
     * @param capacity the most words one sleep may watch.
     */
    public WaitList(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("a wait list needs room for at least one word: " + capacity);
        }
        buffers = new AtomicBuffer[capacity];
        offsets = new int[capacity];
        expected = new int[capacity];
    }

    /**
     * Adds a word to watch.
     *
     * @param buffer   off-heap buffer holding the word.
     * @param offset   offset of a 4-byte aligned int in {@code buffer}.
     * @param value    the value that means "nothing happened yet".
     * @return false when the list is full (the word is not added: the caller must bound its sleep instead).
     */
    public boolean add(final AtomicBuffer buffer, final int offset, final int value)
    {
        if (size == buffers.length)
        {
            return false;
        }
        buffers[size] = buffer;
        offsets[size] = offset;
        expected[size] = value;
        size++;
        return true;
    }

    /**
     * Announces this sleeper on {@code doorbell} and adds its word; {@link Doorbell#withdraw()} must follow the
     * sleep when this returns true.
     *
     * @param doorbell the doorbell to sleep on.
     * @return false when the list is full (nothing announced).
     */
    public boolean announce(final Doorbell doorbell)
    {
        if (size == buffers.length)
        {
            return false;
        }
        return add(doorbell.buffer(), doorbell.wordOffset(), doorbell.announce());
    }

    /**
     * Whether a watched word no longer holds its value (a ring or wake-up happened since it was added).
     *
     * @return true when some word moved.
     */
    public boolean anyMoved()
    {
        for (int i = 0; i < size; i++)
        {
            if (buffers[i].getIntVolatile(offsets[i]) != expected[i])
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets every word (the caller withdraws its announcements itself).
     */
    public void clear()
    {
        for (int i = 0; i < size; i++)
        {
            buffers[i] = null;
        }
        size = 0;
    }

    /**
     * How many words are watched.
     *
     * @return the count.
     */
    public int size()
    {
        return size;
    }

    /**
     * The most words one sleep may watch.
     *
     * @return the capacity given at construction.
     */
    public int capacity()
    {
        return buffers.length;
    }

    /**
     * The buffer of word {@code i}.
     *
     * @param i 0 to {@link #size()} - 1.
     * @return its buffer.
     */
    public AtomicBuffer buffer(final int i)
    {
        return buffers[i];
    }

    /**
     * The offset of word {@code i} in its buffer.
     *
     * @param i 0 to {@link #size()} - 1.
     * @return its offset.
     */
    public int offset(final int i)
    {
        return offsets[i];
    }

    /**
     * The value word {@code i} held when it was added.
     *
     * @param i 0 to {@link #size()} - 1.
     * @return the expected value.
     */
    public int expected(final int i)
    {
        return expected[i];
    }
}
