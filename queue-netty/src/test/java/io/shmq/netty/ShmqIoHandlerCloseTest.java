package io.shmq.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandler;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.shmq.netty.support.EchoHandler;
import io.shmq.netty.support.NettyPair;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channels closed where the loop could not expect it: in the re-check before a sleep (the loop is announced on
 * their doorbells, in memory the close unmaps) and when Netty ends a loop without a last prepareToDestroy.
 */
class ShmqIoHandlerCloseTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    @Timeout(60)
    void aChannelClosedInTheRecheckBeforeASleepIsNotTouchedAfterItsRingsAreUnmapped() throws Exception
    {
        final ShmqAddress address = new ShmqAddress(shm.path(), "recheck");
        try (NettyPair pair = new NettyPair())
        {
            pair.bind(address, new EchoHandler(), false);
            final Channel client = pair.connect(address, new ChannelInboundHandlerAdapter());
            // Registered with the client's loop: in the loop's next re-check (after every handle announced on its
            // doorbells, the client's on its ring's) it closes the client, as a handler reading another channel may.
            final CloserInRecheck closer = new CloserInRecheck(client);
            ((IoEventLoop)client.eventLoop()).register(closer).sync();
            assertTrue(closer.closed.await(10, TimeUnit.SECONDS), "the client was closed in a re-check");
            // Without the withdraw before the unmap, the loop's withdraw after the re-check killed the JVM here.
            assertTrue(client.closeFuture().await(10, TimeUnit.SECONDS));
            // The loop goes on: it still runs tasks and the closer's turns.
            final int turns = closer.turns.get();
            client.eventLoop().submit(() -> { }).sync();
            assertTrue(waitFor(() -> closer.turns.get() > turns + 2), "the loop kept turning");
        }
    }

    @Test
    void aLoopDestroyedWithoutPrepareToDestroyClosesItsChannels() throws Exception
    {
        final Thread self = Thread.currentThread();
        final ThreadAwareExecutor executor = new ThreadAwareExecutor()
        {
            @Override
            public boolean isExecutorThread(final Thread thread)
            {
                return thread == self;
            }

            @Override
            public void execute(final Runnable task)
            {
                task.run();
            }
        };
        final IoHandler handler = ShmqIoHandler.newFactory().newHandler(executor);
        final CloserInRecheck first = new CloserInRecheck(null);
        final CloserInRecheck second = new CloserInRecheck(null);
        handler.register(first);
        handler.register(second);
        // Netty ends a loop without prepareToDestroy when the shutdown lands between a turn's check and its
        // confirmation (no quiet period): destroy alone must close what is left.
        handler.destroy();
        assertEquals(1, first.closes.get());
        assertEquals(1, second.closes.get());
        assertFalse(first.turns.get() > 0, "destroy runs no I/O");
    }

    private static boolean waitFor(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline >= 0)
            {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /**
     * A handle that closes a channel from its first {@code processIo} after a {@code prepareToWait}: the loop's
     * re-check, while it is announced on every handle's doorbells.
     */
    private static final class CloserInRecheck implements ShmqIoHandle
    {
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger turns = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        private final Channel target;
        private boolean prepared;

        CloserInRecheck(final Channel target)
        {
            this.target = target;
        }

        @Override
        public int processIo()
        {
            turns.incrementAndGet();
            if (prepared && target != null && target.isOpen())
            {
                target.close();
                closed.countDown();
            }
            prepared = false;
            return 0;
        }

        @Override
        public boolean prepareToWait(final ShmqWaitSet waits)
        {
            prepared = true;
            return false;
        }

        @Override
        public void closeNow()
        {
            close();
        }

        @Override
        public void close()
        {
            closes.incrementAndGet();
        }
    }
}
