package io.shmq.channel;

import io.shmq.errors.ShmqException;

/**
 * A connect, accept or request that did not complete within its timeout.
 */
public class ChannelTimeoutException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception saying what did not happen in time.
     *
     * @param message what was awaited, for how long, and what to check.
     */
    public ChannelTimeoutException(final String message)
    {
        super(message);
    }
}
