package io.shmq.netty;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;

/**
 * What a {@link ShmqIoHandler} drives: a channel's rings, polled on every turn of the event loop and slept on,
 * with every other handle's, when all are idle.
 */
interface ShmqIoHandle extends IoHandle
{
    /**
     * Does the I/O that is ready: reads for the pipeline, writes that waited for room, handshake steps.
     *
     * @return how much was done; 0 when nothing was ready.
     */
    int processIo();

    /**
     * Gets ready for the loop's sleep: releases, heartbeats, and announces on the doorbells to sleep on. The loop
     * then calls {@link #processIo()} as its re-check while still announced: a handle that unmaps memory there (it
     * closes) calls {@link ShmqWaitSet#withdrawAll()} on {@code waits} first.
     *
     * @param waits where to announce (and, when a handle cannot be woken, to bound the sleep).
     * @return true when there is work now: the loop does not sleep.
     */
    boolean prepareToWait(ShmqWaitSet waits);

    /**
     * Closes at once, without waiting for anything (the loop is shutting down).
     */
    void closeNow();

    /**
     * Closes the channel (Netty calls it when the loop gives the handle up); never throws.
     */
    @Override
    void close();

    /**
     * {@inheritDoc}
     */
    @Override
    default void handle(final IoRegistration registration, final IoEvent ioEvent)
    {
        processIo();
    }
}
