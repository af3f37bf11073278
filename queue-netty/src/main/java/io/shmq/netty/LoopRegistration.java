package io.shmq.netty;

import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;

/**
 * A shmq channel's registration with its event loop (client, accepted and server channels alike): the loop must
 * run a {@link ShmqIoHandler}, which then polls the channel's handle on every turn.
 */
final class LoopRegistration
{
    private IoRegistration registration;

    /**
     * Whether {@code loop} can drive handles of {@code handleType}.
     */
    static boolean isCompatible(final EventLoop loop, final Class<? extends ShmqIoHandle> handleType)
    {
        return loop instanceof IoEventLoop && ((IoEventLoop)loop).isCompatible(handleType);
    }

    /**
     * Registers {@code handle} with {@code loop}, completing {@code promise} when the loop took it.
     */
    void register(final EventLoop loop, final ShmqIoHandle handle, final ChannelPromise promise)
    {
        ((IoEventLoop)loop).register(handle).addListener(done ->
        {
            if (done.isSuccess())
            {
                registration = (IoRegistration)done.getNow();
                promise.setSuccess();
            }
            else
            {
                promise.setFailure(done.cause());
            }
        });
    }

    /**
     * Takes the handle off its loop, if it is on one.
     */
    void cancel()
    {
        final IoRegistration current = registration;
        if (current != null)
        {
            registration = null;
            current.cancel();
        }
    }
}
