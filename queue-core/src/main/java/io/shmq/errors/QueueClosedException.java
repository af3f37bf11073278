package io.shmq.errors;

/**
 * A call on a queue, or on one of its producers or its consumer, after it was closed: by this thread or by any
 * other, before the call or while it ran. Nothing was written for this call, and nothing was read that a later
 * consumer will not see: a message offered is not sent, a claim's commit does not publish. The queue's file stays
 * (see {@code ShmQueue.delete}); open the queue again to go on.
 *
 * <p>A channel is a pair of queues: its closed state throws the subclass {@code ChannelClosedException}, so a
 * caller that catches this type catches both.
 */
public class QueueClosedException extends ShmqException
{
    private static final long serialVersionUID = 1L;

    /**
     * An exception saying what was closed.
     *
     * @param message what was closed and what to do.
     */
    public QueueClosedException(final String message)
    {
        super(message);
    }
}
