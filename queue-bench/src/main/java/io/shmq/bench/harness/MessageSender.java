package io.shmq.bench.harness;

import org.agrona.DirectBuffer;

/**
 * The sending half of a one-way channel of any system under test: one call per message, the same shape for
 * every system, as a user would write it.
 */
interface MessageSender extends AutoCloseable
{
    /**
     * Sends one message.
     *
     * @param buffer source of the payload.
     * @param length payload length.
     * @return false when the channel is full right now (the caller retries).
     */
    boolean send(DirectBuffer buffer, int length);

    @Override
    default void close() throws Exception
    {
    }
}
