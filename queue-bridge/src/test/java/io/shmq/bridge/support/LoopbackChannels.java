package io.shmq.bridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Aeron UDP channels on the loopback for tests, each on a port nobody listens on when it is made, and below the
 * kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}, from 32768 by default): Aeron binds its send
 * sockets to ephemeral ports, and one of them took a port handed out here (bound by the kernel a moment before)
 * ahead of the subscription meant to bind it ("Address already in use").
 */
public final class LoopbackChannels
{
    private static final int LOWEST = 10_000;
    private static final int SPAN = 20_000;
    /** Ports handed out in this JVM: never twice. */
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

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
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            final int port = LOWEST + ThreadLocalRandom.current().nextInt(SPAN);
            if (!GIVEN.add(port))
            {
                continue;
            }
            try (DatagramSocket socket = new DatagramSocket(port))
            {
                return "aeron:udp?endpoint=localhost:" + socket.getLocalPort();
            }
            catch (final IOException ex)
            {
                // Taken: try another.
            }
        }
        throw new UncheckedIOException(new IOException("no free UDP port on the loopback between " + LOWEST +
            " and " + (LOWEST + SPAN)));
    }
}
