package io.shmq.channel;

import io.shmq.errors.QueueClosedException;

/**
 * A send on a channel that is no longer connected (closed by either side, or its peer died): like writing to a
 * socket whose other end is gone. Connect again for a new channel. A closed channel is a pair of closed queues: this
 * is a {@link QueueClosedException}.
 */
public class ChannelClosedException extends QueueClosedException
{
    private static final long serialVersionUID = 1L;

    private final transient ChannelState state;

    /**
     * An exception saying why the channel cannot be used.
     *
     * @param message what happened and what to do.
     * @param state   the channel's state.
     */
    public ChannelClosedException(final String message, final ChannelState state)
    {
        super(message);
        this.state = state;
    }

    /**
     * Why the channel is closed.
     *
     * @return the channel's state when this was thrown.
     */
    public ChannelState state()
    {
        return state;
    }
}
