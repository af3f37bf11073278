package io.shmq.errors;

/**
 * A region or file is not the queue the caller asked for: not a shmq queue at all, another layout version, another
 * ring kind or geometry, too short, not a regular file, owned by someone else, or never made ready.
 */
public class InvalidQueueException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception naming what did not match.
     *
     * @param message the queue, the field, the expected and the found value.
     */
    public InvalidQueueException(final String message)
    {
        super(message);
    }

    /**
     * An exception naming what did not match, with its cause.
     *
     * @param message the queue and what is wrong with it.
     * @param cause   the exception that revealed the problem.
     */
    public InvalidQueueException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
