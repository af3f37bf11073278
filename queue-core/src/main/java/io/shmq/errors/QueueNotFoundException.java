package io.shmq.errors;

/**
 * Nothing exists under the queue's name (no file, no segment): create the queue first, or check its name and
 * where it is looked for. A distinct type so that {@code createOrOpen} can tell a queue removed between its create
 * and its open (try again) from one that is there but wrong (fail).
 */
public class QueueNotFoundException extends InvalidQueueException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception naming where the queue was looked for.
     *
     * @param message the queue, where it was looked for, and what to do.
     */
    public QueueNotFoundException(final String message)
    {
        super(message);
    }

    /**
     * An exception naming where the queue was looked for, with its cause.
     *
     * @param message the queue, where it was looked for, and what to do.
     * @param cause   the exception that revealed it.
     */
    public QueueNotFoundException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
