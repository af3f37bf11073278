package io.shmq.netty;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.shmq.channel.Channel;
import io.shmq.platform.JvmRequirements;
import io.shmq.wait.Waiter;
import io.shmq.wait.Waiters;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The I/O side of a Netty event loop for shmq channels: on every turn it polls the rings of every channel
 * registered with it; once none has had anything for a while (1 us spinning, then until 50 us polling and yielding
 * the CPU, by default), and the loop has no task due, it sleeps in one
 * system call on all their doorbells at once (a futex per ring, {@code futex_waitv}, with queue-native) and on its
 * own wake-up word, which {@link #wakeup()} moves when another thread submits a task.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
 * }</pre>
 *
 * <p>A peer's commit wakes a sleeping loop within the futex's wake-up time (microseconds); an idle loop wakes
 * every {@value Channel#LIVENESS_CHECK_MILLIS} ms to keep its channels' heartbeats fresh and check their peers.
 */
public final class ShmqIoHandler implements IoHandler
{
    /**
     * Default time an idle loop polls without giving its CPU up: a reply within it (a round trip over shmq is about
     * half a microsecond) costs no system call; any longer, and a peer the scheduler queued on this CPU waits for it.
     */
    public static final long DEFAULT_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    /** Default time, from the start of idleness, until which an idle loop polls and yields before it sleeps. */
    public static final long DEFAULT_YIELD_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private static final long LIVENESS_NANOS = TimeUnit.MILLISECONDS.toNanos(Channel.LIVENESS_CHECK_MILLIS);
    private static final ShmqIoHandle[] NO_HANDLES = new ShmqIoHandle[0];
    /** futex_waitv takes at most 128 words: one is the loop's own. */
    private static final int MAX_WATCHED_WORDS = 128;

    private final ThreadAwareExecutor executor;
    private final long spinNanos;
    private final long yieldNanos;
    private final Waiter waiter = Waiters.platformDefault();
    private final UnsafeBuffer wakeWord = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final ShmqWaitSet waits = new ShmqWaitSet(MAX_WATCHED_WORDS);
    private ShmqIoHandle[] handles = NO_HANDLES;
    private volatile boolean sleeping;
    private volatile Thread thread;
    private boolean idle;
    private long idleSince;

    private ShmqIoHandler(final ThreadAwareExecutor executor, final long spinNanos, final long yieldNanos)
    {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.spinNanos = spinNanos;
        this.yieldNanos = yieldNanos;
    }

    /**
     * A factory of handlers that spin {@link #DEFAULT_SPIN_NANOS}, then poll and yield until
     * {@link #DEFAULT_YIELD_NANOS}, then sleep.
     *
     * @return the factory, for {@code new MultiThreadIoEventLoopGroup(threads, factory)}.
     */
    public static IoHandlerFactory newFactory()
    {
        return newFactory(DEFAULT_SPIN_NANOS, DEFAULT_YIELD_NANOS);
    }

    /**
     * A factory of handlers that, once idle, poll without giving the CPU up for {@code spinNanos}, then poll and
     * yield the CPU between polls until {@code yieldNanos}, then sleep until a ring, a task or a timer. 0 and 0
     * sleep at once (least CPU; a wake-up per message when traffic is sparse); longer trades CPU for latency.
     * Yielding matters on machines with few cores: the thread a loop just woke is often queued on its CPU.
     *
     * @param spinNanos  how long an idle loop spins, 0 or more.
     * @param yieldNanos until when (from the start of idleness) it polls and yields, at least {@code spinNanos}.
     * @return the factory.
     */
    public static IoHandlerFactory newFactory(final long spinNanos, final long yieldNanos)
    {
        if (spinNanos < 0 || yieldNanos < spinNanos)
        {
            throw new IllegalArgumentException("want 0 <= spinNanos <= yieldNanos, got spin " + spinNanos +
                " ns and yield " + yieldNanos + " ns");
        }
        // The handler's wake word is an Agrona buffer: name the missing JVM flag here, not in an IllegalAccessError.
        JvmRequirements.requireAgronaAccess();
        return executor -> new ShmqIoHandler(executor, spinNanos, yieldNanos);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int run(final IoHandlerContext context)
    {
        if (thread == null)
        {
            thread = Thread.currentThread();
        }
        final int work = processAll();
        if (work > 0 || !context.canBlock())
        {
            idle = false;
            return work;
        }
        final long now = System.nanoTime();
        if (!idle)
        {
            idle = true;
            idleSince = now;
        }
        final long idleFor = now - idleSince;
        if (idleFor < spinNanos)
        {
            Thread.onSpinWait();
            return 0;
        }
        if (idleFor < yieldNanos)
        {
            // A thread this loop woke (a peer's loop, a caller waiting for its answer) is often queued on this
            // very CPU: yielding lets it run instead of waiting out the spin.
            Thread.yield();
            return 0;
        }
        return sleep(context, now);
    }

    private int processAll()
    {
        int work = 0;
        final ShmqIoHandle[] current = handles;
        for (final ShmqIoHandle handle : current)
        {
            work += handle.processIo();
        }
        return work;
    }

    /**
     * Announces on every handle's doorbells, re-checks everything, and sleeps until a doorbell or the wake-up
     * word moves, a task is due, or the liveness interval passed.
     */
    private int sleep(final IoHandlerContext context, final long now)
    {
        waits.reset(Math.min(LIVENESS_NANOS, context.delayNanos(now)));
        final int wakeSequence = wakeWord.getIntVolatile(0);
        waits.add(wakeWord, 0, wakeSequence);
        sleeping = true;
        try
        {
            // After "sleeping" is visible a submitter wakes us; before it, its task is visible here.
            boolean ready = !context.canBlock();
            final ShmqIoHandle[] current = handles;
            for (int i = 0; i < current.length && !ready; i++)
            {
                ready = current[i].prepareToWait(waits);
            }
            if (!ready)
            {
                waiter.barrierBeforeRecheck();
                final int work = processAll();
                if (work > 0)
                {
                    idle = false;
                    return work;
                }
                // A handle that closed in the re-check withdrew every announcement before it unmapped its rings.
                if (waits.boundNanos() > 0 && !waits.isWithdrawn())
                {
                    waiter.awaitAny(waits.words(), waits.boundNanos());
                }
            }
        }
        finally
        {
            sleeping = false;
            waits.withdrawAll();
        }
        final int work = processAll();
        // Spin again after a wake-up (a task may send something whose answer is near); after a timeout, sleep again.
        if (work > 0 || wakeWord.getIntVolatile(0) != wakeSequence)
        {
            idle = false;
        }
        else
        {
            idleSince = System.nanoTime() - yieldNanos;
        }
        return work;
    }

    /**
     * Wakes the loop if it sleeps (called by Netty after a task was submitted from another thread).
     */
    @Override
    public void wakeup()
    {
        if (sleeping && !executor.isExecutorThread(Thread.currentThread()))
        {
            wakeWord.getAndAddInt(0, 1);
            waiter.wakeAll(wakeWord, 0);
            final Thread loop = thread;
            if (loop != null)
            {
                // Without queue-native the waiter parks: unpark reaches it.
                LockSupport.unpark(loop);
            }
        }
    }

    /**
     * Closes every channel still registered.
     */
    @Override
    public void prepareToDestroy()
    {
        for (final ShmqIoHandle handle : handles)
        {
            handle.closeNow();
        }
    }

    /**
     * Closes every channel still registered, and forgets them.
     */
    @Override
    public void destroy()
    {
        // With no quiet period, Netty may end the loop between a turn's shutdown check and its confirmation, so
        // without a last prepareToDestroy: a channel left open here keeps its rings mapped and their files.
        prepareToDestroy();
        handles = NO_HANDLES;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public IoRegistration register(final IoHandle handle)
    {
        if (!(handle instanceof ShmqIoHandle))
        {
            throw new IllegalArgumentException("a shmq event loop drives shmq channels only, not " +
                handle.getClass().getName() + ": register NIO or epoll channels with their own event loop group");
        }
        final ShmqIoHandle shmqHandle = (ShmqIoHandle)handle;
        final ShmqIoHandle[] grown = Arrays.copyOf(handles, handles.length + 1);
        grown[handles.length] = shmqHandle;
        handles = grown;
        shmqHandle.registered();
        return new Registration(shmqHandle);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isCompatible(final Class<? extends IoHandle> handleType)
    {
        return ShmqIoHandle.class.isAssignableFrom(handleType);
    }

    private void remove(final ShmqIoHandle handle)
    {
        final ShmqIoHandle[] current = handles;
        for (int i = 0; i < current.length; i++)
        {
            if (current[i] == handle)
            {
                final ShmqIoHandle[] shrunk = new ShmqIoHandle[current.length - 1];
                System.arraycopy(current, 0, shrunk, 0, i);
                System.arraycopy(current, i + 1, shrunk, i, current.length - i - 1);
                handles = shrunk;
                handle.unregistered();
                return;
            }
        }
    }

    private final class Registration implements IoRegistration
    {
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final ShmqIoHandle handle;

        Registration(final ShmqIoHandle handle)
        {
            this.handle = handle;
        }

        @Override
        public <T> T attachment()
        {
            return null;
        }

        @Override
        public long submit(final IoOps ops)
        {
            throw new UnsupportedOperationException("shmq channels are polled on every turn of their loop: " +
                "there are no interest ops to submit");
        }

        @Override
        public boolean isValid()
        {
            return !cancelled.get();
        }

        @Override
        public boolean cancel()
        {
            if (!cancelled.compareAndSet(false, true))
            {
                return false;
            }
            if (executor.isExecutorThread(Thread.currentThread()))
            {
                remove(handle);
            }
            else
            {
                executor.execute(() -> remove(handle));
            }
            return true;
        }
    }
}
