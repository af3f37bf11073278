package io.shmq.channel;

import io.shmq.QueueConfig;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a channel, or its listener, from a handler of that channel's own poll: the poll delivers nothing more,
 * and the rings stay mapped until it returns (unmapping them under the read crashed the JVM with SIGSEGV).
 */
class CloseFromHandlerTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final UnsafeBuffer message = new UnsafeBuffer(new byte[1024]);

    private ChannelConfig config()
    {
        return ChannelConfig.of(QueueConfig.spsc(64 * 1024).withDirectory(shm.path()));
    }

    @Test
    void aClientClosedFromItsPollHandlerStopsThere()
    {
        try (ChannelListener listener = ChannelListener.listen("client-closes", config());
             ChannelConnector connecting = ChannelConnector.start("client-closes", config()))
        {
            connecting.poll();
            final Channel server = listener.tryAccept();
            final Channel client = connecting.poll();
            assertNotNull(client);
            for (int i = 0; i < 20; i++)
            {
                assertTrue(server.offer(1, message, 0, message.capacity()));
            }
            final int[] seen = { 0 };
            final int delivered = client.poll((type, buffer, index, length) ->
            {
                seen[0]++;
                client.close();
            }, 64);
            assertEquals(1, seen[0], "nothing is delivered after the close");
            assertEquals(ChannelState.CLOSED, client.state());
            assertTrue(delivered >= 1);
            server.close();
        }
    }

    @Test
    void aListenerClosedFromItsChannelsPollHandlerLetsTheRingsGoAfterThePoll() throws Exception
    {
        final ChannelListener listener = ChannelListener.listen("server-closes", config());
        try (ChannelConnector connecting = ChannelConnector.start("server-closes", config()))
        {
            connecting.poll();
            final Channel server = listener.tryAccept();
            final Channel client = connecting.poll();
            for (int i = 0; i < 20; i++)
            {
                assertTrue(client.offer(1, message, 0, message.capacity()));
            }
            final int[] seen = { 0 };
            server.poll((type, buffer, index, length) ->
            {
                seen[0]++;
                buffer.getLong(index + length - 8);
                server.close();
                listener.close();
            }, 64);
            assertEquals(1, seen[0]);
            assertEquals(ChannelState.CLOSED, server.state());
            client.poll((type, buffer, index, length) -> { }, 64);
            assertEquals(ChannelState.PEER_CLOSED, client.state());
            client.close();
        }
        finally
        {
            listener.close();
        }
        try (var files = Files.list(shm.path()))
        {
            assertEquals(0, files.count(), "the listener removed the rings");
        }
    }
}
