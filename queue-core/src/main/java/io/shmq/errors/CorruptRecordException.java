package io.shmq.errors;

/**
 * A record header in the data area cannot be right (length out of bounds, past the end of the ring, a padding
 * record that does not end at the wrap). The read stops before touching anything outside the region.
 */
public class CorruptRecordException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /** The ring position of the record that cannot be right. */
    private final long position;

    /**
     * An exception naming the queue, the position and the header found there.
     *
     * @param message  the description of the corruption.
     * @param position the position of the bad record.
     */
    public CorruptRecordException(final String message, final long position)
    {
        super(message);
        this.position = position;
    }

    /**
     * The position (bytes since creation) of the bad record.
     *
     * @return the position.
     */
    public long position()
    {
        return position;
    }
}
