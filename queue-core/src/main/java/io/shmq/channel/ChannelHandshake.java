package io.shmq.channel;

import java.util.concurrent.TimeUnit;

/**
 * The client's side of connecting, blocking: a {@link ChannelConnector} polled until it connects or the deadline,
 * sleeping between polls (on the server's ring once it is open). (The server's side is
 * {@link ChannelListener#accept}.)
 */
final class ChannelHandshake
{
    private ChannelHandshake()
    {
    }

    /**
     * Connects to the server listening on channel {@code name}; see {@link Channel#connect}.
     */
    static Channel connect(final String name, final ChannelConfig config, final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        try (ChannelConnector connecting = ChannelConnector.start(name, config))
        {
            while (true)
            {
                final Channel channel = connecting.poll();
                if (channel != null)
                {
                    return channel;
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    throw timeout(connecting, timeoutNanos);
                }
                connecting.awaitProgress(Math.min(left, Channel.LIVENESS_CHECK_NANOS));
            }
        }
    }

    private static ChannelTimeoutException timeout(final ChannelConnector connecting, final long timeoutNanos)
    {
        final long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        if (connecting.messageDoorbell() == null)
        {
            return new ChannelTimeoutException("channel '" + connecting.name() + "': no server listens (waited " +
                millis + " ms for " + connecting.waitingFor() + "); start the server (ChannelListener.listen) " +
                "first, or connect with a longer timeout");
        }
        return new ChannelTimeoutException("channel '" + connecting.name() + "': the server did not answer the " +
            "connection within " + millis + " ms (waited for " + connecting.waitingFor() + ")");
    }
}
