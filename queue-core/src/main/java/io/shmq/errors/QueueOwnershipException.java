package io.shmq.errors;

/**
 * A second consumer (or a second producer of an SPSC ring) tried to attach while a live process owns that role.
 * Two consumers, or two SPSC producers, would silently corrupt the queue.
 */
public class QueueOwnershipException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception naming the role and its live owner.
     *
     * @param message the queue, the role and the process that holds it.
     */
    public QueueOwnershipException(final String message)
    {
        super(message);
    }
}
