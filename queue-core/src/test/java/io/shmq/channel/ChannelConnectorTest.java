package io.shmq.channel;

import io.shmq.QueueConfig;
import io.shmq.support.ShmDirectory;
import io.shmq.wait.Doorbell;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The non-blocking handshake an event loop uses, on one thread: {@link ChannelConnector#poll()} and
 * {@link ChannelListener#tryAccept()} each take the steps that are ready and return at once, and the channel they
 * make behaves like one made by {@code connect} and {@code accept}.
 */
class ChannelConnectorTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private ChannelConfig config()
    {
        return ChannelConfig.of(QueueConfig.spsc(64 * 1024).withDirectory(shm.path()));
    }

    @Test
    void bothSidesStepThroughTheHandshakeWithoutBlocking()
    {
        try (ChannelConnector connecting = ChannelConnector.start("steps", config()))
        {
            assertNull(connecting.poll(), "no server yet");
            assertNull(connecting.messageDoorbell(), "no rings to sleep on yet");
            assertTrue(connecting.waitingFor().contains("steps.c2s"), connecting.waitingFor());

            try (ChannelListener listener = ChannelListener.listen("steps", config()))
            {
                assertNull(listener.tryAccept(), "no HELLO yet");
                assertNull(connecting.poll(), "HELLO sent, no WELCOME yet");
                final Doorbell answer = connecting.messageDoorbell();
                assertNotNull(answer);
                assertTrue(listener.prepareToWait(), "the HELLO waits");

                final Channel server = listener.tryAccept();
                assertNotNull(server);
                final Channel client = connecting.poll();
                assertNotNull(client);
                assertTrue(client.isConnected() && server.isConnected());
                assertEquals(client.connectionId(), server.connectionId());
                assertThrows(IllegalStateException.class, connecting::poll, "a connector connects once");

                final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
                message.putLong(0, 42);
                assertTrue(client.offer(1, message, 0, 8));
                assertTrue(server.prepareToWait(), "a message waits");
                final List<Long> received = new ArrayList<>();
                assertEquals(1, server.poll((type, buffer, index, length) -> received.add(buffer.getLong(index)), 8));
                assertEquals(List.of(42L), received);
                assertFalse(server.prepareToWait(), "nothing waits");

                client.close();
                server.poll((type, buffer, index, length) -> { }, 8);
                assertEquals(ChannelState.PEER_CLOSED, server.state());
                assertTrue(server.prepareToWait(), "a channel that is over has news: do not sleep on it");
                server.close();
            }
        }
    }

    @Test
    void closingAPendingConnectionGivesItsRoleBack() throws Exception
    {
        try (ChannelListener listener = ChannelListener.listen("abandoned", config()))
        {
            final ChannelConnector connecting = ChannelConnector.start("abandoned", config());
            assertNull(connecting.poll());
            assertNotNull(connecting.messageDoorbell(), "it holds the client's roles now");
            connecting.close();
            connecting.close();
            assertThrows(ChannelClosedException.class, connecting::poll, "a closed connector stays closed");
            // Another client may take the roles: opening them again does not find them held.
            try (ChannelConnector next = ChannelConnector.start("abandoned", config()))
            {
                assertNull(next.poll());
                assertNotNull(next.messageDoorbell());
            }
        }
        try (var files = Files.list(shm.path()))
        {
            assertEquals(0, files.count(), "the listener removed the rings");
        }
    }
}
