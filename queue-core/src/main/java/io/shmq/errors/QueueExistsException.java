package io.shmq.errors;

/**
 * Creation found something already at the queue's name (a queue, another file, or a symbolic link). Creation never
 * replaces or truncates what is there: open the queue instead, or delete it first if it is stale.
 */
public class QueueExistsException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception naming what is in the way.
     *
     * @param message the queue name, the path and what to do.
     * @param cause   the file system's report.
     */
    public QueueExistsException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
