package io.shmq.bridge;

import io.shmq.errors.ShmqException;

/**
 * A bridge cannot go on: the two sides disagree (queue shape, protocol version), the remote side cannot be reached,
 * or the local queue stayed full too long. The message says which, and what to change.
 */
public class BridgeException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message.
     *
     * @param message what went wrong and what to do.
     */
    public BridgeException(final String message)
    {
        super(message);
    }

    /**
     * An exception with a message and a cause.
     *
     * @param message what went wrong and what to do.
     * @param cause   the underlying failure.
     */
    public BridgeException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
