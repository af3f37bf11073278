package io.shmq.channel;

import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;

import java.util.function.BooleanSupplier;

/**
 * Sending and awaiting the channel's own messages (HELLO, WELCOME, CLOSE) with a deadline: the handshake of both
 * sides and the close use these, sleeping between attempts, never spinning.
 */
final class ControlExchange
{
    private ControlExchange()
    {
    }

    /**
     * Reads until {@code received} says the awaited control message came (the handler discards what comes before
     * it), sleeping between polls; at the deadline, gives up with {@code timeoutMessage}.
     */
    static void await(
        final RingConsumer consumer,
        final ControlledMessageHandler handler,
        final BooleanSupplier received,
        final long deadline,
        final String timeoutMessage)
    {
        while (!received.getAsBoolean())
        {
            if (consumer.controlledRead(handler, Integer.MAX_VALUE) == 0 && !received.getAsBoolean())
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    throw new ChannelTimeoutException(timeoutMessage);
                }
                consumer.awaitMessages(Math.min(left, Channel.LIVENESS_CHECK_NANOS));
            }
        }
    }

    /**
     * Sends a control message, waiting (bounded by {@code deadline}) for room in the ring.
     */
    static void send(
        final RingProducer producer,
        final DirectBuffer message,
        final int msgTypeId,
        final long deadline,
        final String name,
        final String what)
    {
        while (!producer.offer(msgTypeId, message, 0, ChannelControl.LENGTH))
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                throw new ChannelTimeoutException("channel '" + name + "': could not " + what + ": the ring " +
                    "stayed full until the timeout");
            }
            producer.awaitSpace(ChannelControl.LENGTH, Math.min(left, Channel.LIVENESS_CHECK_NANOS));
        }
    }
}
