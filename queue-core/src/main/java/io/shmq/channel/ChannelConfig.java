package io.shmq.channel;

import io.shmq.QueueConfig;
import io.shmq.layout.RingKind;

import java.time.Duration;
import java.util.Objects;

/**
 * The shape of a channel: the configuration of its two rings (one per direction, both SPSC, alike) and how long a
 * peer may stay silent before it is given up. Immutable.
 */
public final class ChannelConfig
{
    /** A peer whose heartbeat is older than this is considered gone, even if its process exists. */
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(10);

    private final QueueConfig rings;
    private final Duration peerTimeout;

    private ChannelConfig(final QueueConfig rings, final Duration peerTimeout)
    {
        if (rings.kind() != RingKind.SPSC)
        {
            throw new IllegalArgumentException("a channel's rings are SPSC (one sender per direction), not " +
                rings.kind());
        }
        if (peerTimeout.isNegative() || peerTimeout.isZero())
        {
            throw new IllegalArgumentException("peer timeout must be positive: " + peerTimeout);
        }
        this.rings = rings;
        this.peerTimeout = peerTimeout;
    }

    /**
     * A channel whose rings each hold {@code capacity} bytes, with default settings otherwise.
     *
     * @param capacity each ring's data capacity: a power of two (see {@link QueueConfig#spsc(int)}).
     * @return the configuration.
     */
    public static ChannelConfig of(final int capacity)
    {
        return new ChannelConfig(QueueConfig.spsc(capacity), DEFAULT_PEER_TIMEOUT);
    }

    /**
     * A channel whose rings are both shaped by {@code rings} (capacity, message length, directory, permissions,
     * waiter).
     *
     * @param rings an SPSC queue configuration.
     * @return the configuration.
     */
    public static ChannelConfig of(final QueueConfig rings)
    {
        return new ChannelConfig(Objects.requireNonNull(rings, "rings"), DEFAULT_PEER_TIMEOUT);
    }

    /**
     * Copy with another peer timeout: how old the peer's heartbeat may get (a live process that stops polling for
     * longer is given up). A dead process is noticed sooner, by its identity.
     *
     * @param peerTimeout a positive duration.
     * @return the new configuration.
     */
    public ChannelConfig withPeerTimeout(final Duration peerTimeout)
    {
        return new ChannelConfig(rings, peerTimeout);
    }

    /**
     * The configuration of both rings.
     *
     * @return an SPSC queue configuration.
     */
    public QueueConfig rings()
    {
        return rings;
    }

    /**
     * How long a peer's heartbeat may be silent.
     *
     * @return the peer timeout.
     */
    public Duration peerTimeout()
    {
        return peerTimeout;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "ChannelConfig{rings=" + rings + ", peerTimeout=" + peerTimeout + "}";
    }
}
