package io.shmq.bench.harness;

import org.agrona.concurrent.MessageHandler;

/**
 * The receiving half of a one-way channel of any system under test.
 */
interface MessageReceiver extends AutoCloseable
{
    /**
     * Delivers the messages available now.
     *
     * @param handler receives each message (type id unused, 1).
     * @param limit   the most to deliver.
     * @return messages delivered.
     */
    int receive(MessageHandler handler, int limit);

    /**
     * What the receiving loop does when nothing arrived: spin by default.
     */
    default void idle()
    {
        Thread.onSpinWait();
    }

    @Override
    default void close() throws Exception
    {
    }
}
