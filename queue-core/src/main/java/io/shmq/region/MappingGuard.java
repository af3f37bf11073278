package io.shmq.region;

import io.shmq.errors.QueueClosedException;
import io.shmq.platform.ThreadBarrier;
import io.shmq.platform.ThreadBarriers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * When a region's memory may go away: its {@link MappingUser}s (producers, consumers, threads of a shared
 * producer) bracket every access, and {@link #close()}, from any thread at any moment, ends new access at once
 * and runs the release (the unmap) only when every user is closed and no thread is inside. A thread caught inside
 * finishes its call, or throws a {@link QueueClosedException} where it next checks; none ever touches memory that
 * is no longer mapped. A user that never leaves (a handler that never returns, a claim never committed) keeps the
 * mapping alive: a leak of that mapping, never a fault.
 *
 * <p>The hot path pays two plain stores and two loads per call (see {@link MappingUser}); each close pays one
 * {@link ThreadBarrier}, shared by all the users it closes.
 */
public final class MappingGuard
{
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int DRAINED = 2;
    private static final int RELEASED = 3;

    private static final AtomicLong CLOSES_WHILE_INSIDE = new AtomicLong();
    private static volatile Consumer<MappingGuard> testOnlyCloseHook;

    private final String description;
    private final ThreadBarrier barrier;
    private final Runnable release;
    private final List<MappingUser> registered = new ArrayList<>();
    private volatile MappingUser[] users = new MappingUser[0];
    private volatile int state = OPEN;

    /**
     * A guard whose release runs once, on whichever thread lets go last.
     *
     * @param description what the region is, for exceptions (e.g. {@code queue 'orders' (file ...)}).
     * @param barrier     how a close makes every thread fence.
     * @param release     unmaps the region; runs at most once.
     */
    public MappingGuard(final String description, final ThreadBarrier barrier, final Runnable release)
    {
        this.description = Objects.requireNonNull(description, "description");
        this.barrier = Objects.requireNonNull(barrier, "barrier");
        this.release = Objects.requireNonNull(release, "release");
    }

    /**
     * A guard on the platform's {@link ThreadBarrier}.
     *
     * @param description what the region is, for exceptions.
     * @param release     unmaps the region; runs at most once.
     */
    public MappingGuard(final String description, final Runnable release)
    {
        this(description, ThreadBarriers.platformDefault(), release);
    }

    /**
     * What the region is.
     *
     * @return the description given at construction.
     */
    public String description()
    {
        return description;
    }

    /**
     * Whether {@link #close()} began.
     *
     * @return true once closing.
     */
    public boolean isClosed()
    {
        return state != OPEN;
    }

    /**
     * Whether the release ran: nothing of the region is mapped any more.
     *
     * @return true once released.
     */
    public boolean isReleased()
    {
        return state == RELEASED;
    }

    /**
     * Closes every user and the region: new calls throw at once; the release runs when the last user is out,
     * before this returns when nobody is inside. Any thread, any time; idempotent.
     */
    public void close()
    {
        closeAll(this);
    }

    /**
     * Closes several regions (the two rings of a channel) with one {@link ThreadBarrier}, as {@link #close()}
     * closes one.
     *
     * @param guards the regions' guards; those closed already are skipped.
     */
    public static void closeAll(final MappingGuard... guards)
    {
        final List<MappingGuard> closing = new ArrayList<>(guards.length);
        final List<MappingUser> users = new ArrayList<>();
        for (final MappingGuard guard : guards)
        {
            synchronized (guard)
            {
                if (guard.state != OPEN)
                {
                    continue;
                }
                guard.state = CLOSING;
                users.addAll(Arrays.asList(guard.users));
            }
            closing.add(guard);
        }
        try
        {
            closeUsers(users.toArray(new MappingUser[0]));
        }
        finally
        {
            for (final MappingGuard guard : closing)
            {
                guard.state = DRAINED;
                guard.tryRelease();
            }
        }
    }

    /**
     * How many users, in this process so far, were closed while a thread was inside an access to their memory: a
     * race test's evidence that it reached the dangerous moment.
     *
     * @return the count.
     */
    public static long closesWhileInside()
    {
        return CLOSES_WHILE_INSIDE.get();
    }

    /**
     * For tests only: runs {@code hook} with the guard in every close, after the users are marked and before the
     * barrier, on the closer's thread. A test that releases there ({@link #testOnlyReleaseNow()}) shows what the
     * guard prevents.
     *
     * @param hook what to run, or null for nothing.
     */
    public static void testOnlyCloseHook(final Consumer<MappingGuard> hook)
    {
        testOnlyCloseHook = hook;
    }

    /**
     * For tests only: releases the region now, whoever is inside, as the code did before the guard existed.
     */
    public void testOnlyReleaseNow()
    {
        synchronized (this)
        {
            if (state == RELEASED)
            {
                return;
            }
            state = RELEASED;
        }
        release.run();
    }

    void register(final MappingUser user)
    {
        synchronized (this)
        {
            if (state != OPEN)
            {
                throw new QueueClosedException(description + " is closed");
            }
            // Users closed one by one (a channel's header readers) or whose thread ended are not waited for.
            registered.removeIf(old -> old.isFinished() || old.abandoned());
            registered.add(user);
            users = registered.toArray(new MappingUser[0]);
        }
    }

    /**
     * Closes some users (a producer's thread slots; a channel's users of two regions) with one barrier; see
     * {@link MappingUser#close()}. Their regions stay open.
     *
     * @param closing the users to close, of any guards.
     */
    public static void closeUsers(final MappingUser... closing)
    {
        final List<MappingUser> marked = new ArrayList<>(closing.length);
        for (final MappingUser user : closing)
        {
            if (user.mark())
            {
                marked.add(user);
            }
        }
        if (marked.isEmpty())
        {
            return;
        }
        final Consumer<MappingGuard> hook = testOnlyCloseHook;
        if (hook != null)
        {
            hook.accept(marked.get(0).guard());
        }
        marked.get(0).guard().barrier.serializeAll();
        for (final MappingUser user : marked)
        {
            if (!user.isIdle())
            {
                CLOSES_WHILE_INSIDE.incrementAndGet();
            }
            user.drained();
        }
        for (final MappingUser user : marked)
        {
            user.tryFinish();
        }
    }

    void userFinished()
    {
        tryRelease();
    }

    private void tryRelease()
    {
        if (state != DRAINED)
        {
            return;
        }
        for (final MappingUser user : users)
        {
            if (!user.isFinished())
            {
                return;
            }
        }
        synchronized (this)
        {
            if (state != DRAINED)
            {
                return;
            }
            state = RELEASED;
        }
        release.run();
    }
}
