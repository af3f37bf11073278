package io.shmq.channel;

/**
 * Where a {@link Channel} stands. Every state but {@link #CONNECTED} is final: a new connection is a new channel.
 */
public enum ChannelState
{
    /** Both sides are attached and alive. */
    CONNECTED,
    /** This side closed the channel. */
    CLOSED,
    /** The peer closed the channel; everything it sent before closing was delivered. */
    PEER_CLOSED,
    /** The peer's process is gone (killed, crashed) or another process took its place. */
    PEER_DIED,
    /** The peer's process exists but has not shown a heartbeat within the peer timeout (hung, stopped). */
    PEER_TIMED_OUT;

    /**
     * Whether messages can still be exchanged.
     *
     * @return true only for {@link #CONNECTED}.
     */
    public boolean isConnected()
    {
        return this == CONNECTED;
    }
}
