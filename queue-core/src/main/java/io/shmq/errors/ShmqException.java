package io.shmq.errors;

/**
 * Base of every exception shmq throws: the message says what was wrong and what to do about it.
 */
public class ShmqException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message.
     *
     * @param message what was wrong and what to do.
     */
    public ShmqException(final String message)
    {
        super(message);
    }

    /**
     * An exception with a message and the underlying cause.
     *
     * @param message what was wrong and what to do.
     * @param cause   the exception that revealed the problem.
     */
    public ShmqException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
