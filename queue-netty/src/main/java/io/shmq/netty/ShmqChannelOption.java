package io.shmq.netty;

import io.netty.channel.ChannelOption;

/**
 * The options of shmq channels, beside Netty's own.
 *
 * @param <T> the option's value type.
 */
public final class ShmqChannelOption<T> extends ChannelOption<T>
{
    /**
     * Capacity in bytes of each of a connection's two rings (a power of two, 1 KiB to 1 GiB; default 1 MiB). The
     * client chooses it when it connects; the server builds the connection's rings to match. A ring holds at most
     * this many bytes in flight per direction: writes beyond it wait (the channel turns unwritable past its high
     * water mark).
     */
    public static final ChannelOption<Integer> RING_CAPACITY = valueOf(ShmqChannelOption.class, "RING_CAPACITY");

    @SuppressWarnings("deprecation")
    private ShmqChannelOption()
    {
        super(null);
    }
}
