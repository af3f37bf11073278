package io.shmq.region;

import io.shmq.errors.QueueClosedException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's way into a region's memory: a producer or consumer used by one thread at a time, or one thread's
 * slot of a shared producer. Every call that touches the memory is bracketed by {@link #enter()} and
 * {@link #exit()}; {@link MappingGuard} unmaps only when every user is closed and none is inside.
 *
 * <pre>
 *   this user's thread (every call)          a closer (any thread, rarely)
 *   inside = inside + 1        plain          closing = true            every user it closes
 *   [compiler barrier]                        ThreadBarrier             every thread fences once
 *   if (closing) back out, throw              wake sleepers             memory still mapped
 *   ... touch the memory ...                  phase = DRAINED
 *   inside = inside - 1        release        if (inside == 0) finish   else the user's thread does, on exit
 *   [compiler barrier]
 *   if (closing) finish if inside == 0
 * </pre>
 *
 * <p>Why no fence on the hot path: the closer's {@link io.shmq.platform.ThreadBarrier} makes every thread fence
 * once while it waits, so a thread either had its {@code inside} store visible before the closer reads it, or
 * reads {@code closing} after it was set. The compiler barriers keep the JIT from moving the load of
 * {@code closing} above the store of {@code inside} (HotSpot's C1 and C2 move no memory access across any
 * {@code VarHandle} fence; on x86 a release fence emits no instruction), and the accesses to shared memory are
 * unsafe accesses the JIT keeps inside that bracket. Cost: two stores and two loads on this object's line.
 *
 * <p>{@code inside} counts: a call that returns holding memory (an uncommitted claim, a read whose handler is
 * running) stays inside until it gives it back. Only this user's thread writes {@code inside}.
 */
public abstract class MappingUser
{
    private static final int OPEN = 0;
    private static final int MARKED = 1;
    private static final int DRAINED = 2;
    private static final int FINISHING = 3;
    private static final int FINISHED = 4;

    private static final VarHandle INSIDE;
    private static final VarHandle CLOSING;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            INSIDE = lookup.findVarHandle(MappingUser.class, "inside", int.class);
            CLOSING = lookup.findVarHandle(MappingUser.class, "closing", boolean.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final MappingGuard guard;
    private int inside;
    private boolean closing;
    private volatile int phase = OPEN;

    /**
     * A user of {@code guard}'s region, registered with it and inside until {@link #exit()}: the subclass's
     * constructor touches the memory (taking a role, reading positions) and exits when it is done.
     *
     * @param guard the region's guard.
     * @throws QueueClosedException when the region is closed already.
     */
    protected MappingUser(final MappingGuard guard)
    {
        this.guard = guard;
        inside = 1;
        guard.register(this);
    }

    /**
     * A user with nothing to give back when closed, for code that reads or writes a few words of the region beside
     * its producers and consumer (a channel's liveness check); ready for its first {@link #enter()}.
     *
     * @param guard the region's guard.
     * @return the user.
     * @throws QueueClosedException when the region is closed already.
     */
    public static MappingUser plain(final MappingGuard guard)
    {
        final MappingUser user = new MappingUser(guard)
        {
        };
        user.exit();
        return user;
    }

    /**
     * Enters the memory: call before the first access of a call.
     *
     * @throws QueueClosedException when this user (or its region) is closed; nothing was touched.
     */
    public final void enter()
    {
        INSIDE.setOpaque(this, inside + 1);
        VarHandle.releaseFence();
        if ((boolean)CLOSING.getOpaque(this))
        {
            throw refuse();
        }
    }

    /**
     * Leaves the memory: call after the last access of a call (in a {@code finally}); the last way out of a
     * closed user finishes it, and the last user out of a closed region unmaps it.
     */
    public final void exit()
    {
        INSIDE.setRelease(this, inside - 1);
        VarHandle.releaseFence();
        if ((boolean)CLOSING.getOpaque(this))
        {
            afterClose();
        }
    }

    /**
     * Whether this user was closed: a long call (a read delivering a batch) checks it between steps and stops.
     *
     * @return true once a close of this user or its region began.
     */
    public final boolean isClosing()
    {
        return (boolean)CLOSING.getOpaque(this);
    }

    /**
     * On this user's own thread: whether one of its calls is running (a handler calling back into its endpoint).
     *
     * @return true while a call of this thread is inside.
     */
    public final boolean isEntered()
    {
        return inside > 0;
    }

    /**
     * Whether this user is finished: closed, its {@link #finish()} run, nobody inside.
     *
     * @return true once finished.
     */
    public final boolean isFinished()
    {
        return phase == FINISHED;
    }

    /**
     * Closes this user from any thread: new calls throw, a call inside returns or throws, and {@link #finish()}
     * runs once nobody is inside (now, or when the last call inside returns). Idempotent.
     */
    public void close()
    {
        MappingGuard.closeUsers(this);
    }

    /**
     * The exception a refused call throws; subclasses name what they are.
     *
     * @return a {@link QueueClosedException} naming the queue and this user.
     */
    public QueueClosedException closedException()
    {
        return new QueueClosedException(guard.description() + " is closed");
    }

    /**
     * Runs on the closer's thread, once, after every thread fenced and before anything is unmapped: wake this
     * user's thread if it sleeps on a word of the region. Must be thread-safe; the memory is still mapped. May run
     * before the subclass's constructor finished (a close racing the construction): check fields for null.
     */
    protected void wakeSleepers()
    {
    }

    /**
     * Runs once, when this user is closed and nobody is inside, on whichever thread got there (the closer, or the
     * last call to return); the memory is still mapped. Gives back what the user holds: a role, released space.
     */
    protected void finish()
    {
    }

    /**
     * Runs on the closer's thread just before this user is marked closing: a user that holds memory on behalf of
     * the closing thread itself (an uncommitted claim of that thread) may give it up here with {@link #exit()},
     * since that thread cannot be writing into it while it closes.
     *
     * @param closer the thread that closes.
     */
    protected void beforeClose(final Thread closer)
    {
    }

    /**
     * Whether the guard may forget this user: it can never enter again and holds nothing (a thread's slot whose
     * thread ended). Asked under the guard's lock when users register.
     *
     * @return true when this user can be dropped.
     */
    protected boolean abandoned()
    {
        return false;
    }

    final MappingGuard guard()
    {
        return guard;
    }

    /**
     * Marks this user closing, unless it was already.
     *
     * @return true when this call marked it (and must drain it).
     */
    final boolean mark()
    {
        if (phase == OPEN)
        {
            beforeClose(Thread.currentThread());
        }
        synchronized (this)
        {
            if (phase != OPEN)
            {
                return false;
            }
            phase = MARKED;
        }
        CLOSING.setVolatile(this, true);
        return true;
    }

    /**
     * After the barrier that followed {@link #mark()}: every call that entered before it is visible as inside.
     */
    final void drained()
    {
        try
        {
            wakeSleepers();
        }
        finally
        {
            synchronized (this)
            {
                if (phase == MARKED)
                {
                    phase = DRAINED;
                }
            }
        }
    }

    /**
     * For a subclass's constructor that failed after this constructor registered the user: forgets it without
     * running {@link #finish()} (the subclass gave back what it took itself).
     */
    public final void abandonConstruction()
    {
        synchronized (this)
        {
            phase = FINISHED;
        }
        INSIDE.setRelease(this, 0);
        guard.userFinished();
    }

    final void tryFinish()
    {
        if (phase == DRAINED && isIdle())
        {
            synchronized (this)
            {
                if (phase != DRAINED)
                {
                    return;
                }
                phase = FINISHING;
            }
            try
            {
                finish();
            }
            finally
            {
                phase = FINISHED;
                guard.userFinished();
            }
        }
    }

    /**
     * Whether no call is inside now (as seen from any thread).
     *
     * @return true when nothing is inside.
     */
    protected final boolean isIdle()
    {
        return (int)INSIDE.getAcquire(this) == 0;
    }

    private QueueClosedException refuse()
    {
        INSIDE.setRelease(this, inside - 1);
        afterClose();
        return closedException();
    }

    private void afterClose()
    {
        // Pairs with the closer's volatile store of phase and its load of inside: one of the two sees the other.
        VarHandle.fullFence();
        tryFinish();
    }
}
