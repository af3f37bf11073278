package io.shmq.channel;

import io.shmq.ShmQueue;
import io.shmq.errors.InvalidQueueException;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The client's side of connecting: wait for a live server on the channel's rings, send HELLO with a fresh
 * connection id, and wait for the WELCOME that carries it back, discarding what a dead client before us left.
 * (The server's side is {@link ChannelListener#accept}.)
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
        ShmQueue out = null;
        ShmQueue in = null;
        boolean connected = false;
        try
        {
            out = openWhenListening(name, name + Channel.CLIENT_TO_SERVER, config, deadline, timeoutNanos);
            in = ShmQueue.open(name + Channel.SERVER_TO_CLIENT, config.rings());
            final RingProducer producer = out.producer();
            final RingConsumer consumer = in.consumer();
            final long connectionId = newConnectionId();
            final UnsafeBuffer hello = new UnsafeBuffer(new byte[ChannelControl.LENGTH]);
            ChannelControl.encode(hello, connectionId, ProcessIdentity.current().token());
            ControlExchange.send(producer, hello, ChannelControl.HELLO_MSG_TYPE_ID, deadline, name, "send its HELLO");

            final long[] welcomed = { 0 };
            final ControlledMessageHandler awaitWelcome = (type, buffer, index, length) ->
            {
                if (type == ChannelControl.WELCOME_MSG_TYPE_ID &&
                    ChannelControl.connectionId(buffer, index, length) == connectionId)
                {
                    welcomed[0] = 1;
                    return ControlledMessageHandler.Action.BREAK;
                }
                // A leftover for a client before us: not ours.
                return ControlledMessageHandler.Action.CONTINUE;
            };
            ControlExchange.await(consumer, awaitWelcome, () -> welcomed[0] != 0, deadline, "channel '" + name +
                "': the server did not answer the connection within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) +
                " ms; is it polling its listener (accept)?");
            final Channel channel = new Channel(
                name, true, out, in, producer, consumer, connectionId, config, null);
            connected = true;
            return channel;
        }
        finally
        {
            if (!connected)
            {
                if (out != null)
                {
                    out.close();
                }
                if (in != null)
                {
                    in.close();
                }
            }
        }
    }

    private static ShmQueue openWhenListening(
        final String name, final String queueName, final ChannelConfig config, final long deadline,
        final long timeoutNanos)
    {
        String waitingFor = "its ring " + queueName;
        while (true)
        {
            try
            {
                final ShmQueue queue = ShmQueue.open(queueName, config.rings());
                final long server = queue.header().consumerOwnerToken();
                if (server != 0 && OwnerState.of(server, queue.header().consumerOwnerNamespace()) != OwnerState.DEAD)
                {
                    return queue;
                }
                queue.close();
                waitingFor = "a live server on its ring " + queueName;
            }
            catch (final InvalidQueueException notYet)
            {
                waitingFor = "its ring " + queueName + " (" + notYet.getMessage() + ")";
            }
            if (System.nanoTime() - deadline >= 0)
            {
                throw new ChannelTimeoutException("channel '" + name + "': no server listens (waited " +
                    TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms for " + waitingFor + "); start the server " +
                    "(ChannelListener.listen) first, or connect with a longer timeout");
            }
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new ChannelTimeoutException("channel '" + name + "': interrupted while connecting");
            }
        }
    }

    private static long newConnectionId()
    {
        long id;
        do
        {
            id = ThreadLocalRandom.current().nextLong();
        }
        while (id == 0);
        return id;
    }
}
