package io.shmq.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.shmq.QueueConfig;

import java.util.Map;

/**
 * The configuration of a shmq channel: Netty's common options, {@link ShmqChannelOption#RING_CAPACITY},
 * {@link ChannelOption#ALLOW_HALF_CLOSURE}, and {@link ChannelOption#SO_KEEPALIVE}, which is always on (a shmq
 * channel checks that its peer's process lives and polls, see {@link io.shmq.channel.Channel}), so setting it
 * changes nothing.
 */
public final class ShmqChannelConfig extends DefaultChannelConfig
{
    /** The default capacity of each ring of a connection. */
    public static final int DEFAULT_RING_CAPACITY = 1 << 20;

    private volatile int ringCapacity = DEFAULT_RING_CAPACITY;
    private volatile boolean allowHalfClosure;

    ShmqChannelConfig(final Channel channel)
    {
        super(channel);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Map<ChannelOption<?>, Object> getOptions()
    {
        return getOptions(super.getOptions(), ShmqChannelOption.RING_CAPACITY, ChannelOption.ALLOW_HALF_CLOSURE,
            ChannelOption.SO_KEEPALIVE);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(final ChannelOption<T> option)
    {
        if (option == ShmqChannelOption.RING_CAPACITY)
        {
            return (T)Integer.valueOf(ringCapacity);
        }
        if (option == ChannelOption.ALLOW_HALF_CLOSURE)
        {
            return (T)Boolean.valueOf(allowHalfClosure);
        }
        if (option == ChannelOption.SO_KEEPALIVE)
        {
            return (T)Boolean.TRUE;
        }
        return super.getOption(option);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public <T> boolean setOption(final ChannelOption<T> option, final T value)
    {
        validate(option, value);
        if (option == ShmqChannelOption.RING_CAPACITY)
        {
            setRingCapacity((Integer)value);
            return true;
        }
        if (option == ChannelOption.ALLOW_HALF_CLOSURE)
        {
            setAllowHalfClosure((Boolean)value);
            return true;
        }
        if (option == ChannelOption.SO_KEEPALIVE)
        {
            // Always on: a shmq channel checks that its peer lives (pid and heartbeat) every 100 ms.
            return true;
        }
        return super.setOption(option, value);
    }

    /**
     * The capacity of each ring of a connection this channel makes.
     *
     * @return bytes, a power of two.
     */
    public int getRingCapacity()
    {
        return ringCapacity;
    }

    /**
     * Sets the capacity of each ring of a connection this channel makes.
     *
     * @param capacity a power of two from 1 KiB to 1 GiB.
     * @return this config.
     * @throws IllegalArgumentException when the capacity is not one.
     */
    public ShmqChannelConfig setRingCapacity(final int capacity)
    {
        checkRingCapacity(capacity);
        ringCapacity = capacity;
        return this;
    }

    /**
     * Whether a peer's {@code shutdownOutput} leaves this channel open, reporting
     * {@link io.netty.channel.socket.ChannelInputShutdownEvent} (true), or closes it (false, the default).
     *
     * @return the setting.
     */
    public boolean isAllowHalfClosure()
    {
        return allowHalfClosure;
    }

    /**
     * Sets {@link #isAllowHalfClosure()}.
     *
     * @param allow true to keep the channel open when the peer shuts its output down.
     * @return this config.
     */
    public ShmqChannelConfig setAllowHalfClosure(final boolean allow)
    {
        allowHalfClosure = allow;
        return this;
    }

    static void checkRingCapacity(final int capacity)
    {
        if (capacity < QueueConfig.MIN_CAPACITY || capacity > QueueConfig.MAX_CAPACITY ||
            Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("shmq ring capacity must be a power of two from " +
                QueueConfig.MIN_CAPACITY + " to " + QueueConfig.MAX_CAPACITY + " bytes, got " + capacity);
        }
    }
}
