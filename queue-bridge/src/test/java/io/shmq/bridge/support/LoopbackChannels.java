package io.shmq.bridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;

/**
 * Aeron UDP channels on the loopback for tests, each on a port nobody listens on when it is made.
 */
public final class LoopbackChannels
{
    private LoopbackChannels()
    {
    }

    /**
     * A channel on a free UDP port.
     *
     * @return {@code aeron:udp?endpoint=localhost:PORT}.
     */
    public static String free()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return "aeron:udp?endpoint=localhost:" + socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no free UDP port on the loopback", ex);
        }
    }
}
