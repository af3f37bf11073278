package io.shmq.ring;

import io.shmq.errors.ShmqException;

/**
 * A commit of an MPSC claim that the consumer had already skipped: the slot stayed uncommitted for longer than the
 * consumer's unblock timeout (see {@link RingConsumer#unblockTimeout}), so the consumer turned it into padding to
 * keep the queue flowing. The message was not sent; claim and send it again.
 */
public class ClaimRevokedException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception saying that the claimed slot was revoked.
     *
     * @param message what happened and what to do.
     */
    public ClaimRevokedException(final String message)
    {
        super(message);
    }
}
