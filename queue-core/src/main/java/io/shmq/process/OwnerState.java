package io.shmq.process;

import java.nio.file.Path;

/**
 * What an owner word of a queue header says about its role.
 */
public enum OwnerState
{
    /** Nobody holds the role. */
    NONE,
    /** A live process holds it. */
    ALIVE,
    /** The process that holds it is gone (killed, crashed): the next one to attach takes the role over. */
    DEAD,
    /** A process of another PID namespace holds it: its pid means nothing here, so nobody takes the role over. */
    UNKNOWN;

    /**
     * The state of an owner token.
     *
     * @param token an owner word (pid and start time), 0 for none.
     * @return its state.
     */
    public static OwnerState of(final long token)
    {
        return of(token, 0);
    }

    /**
     * The state of an owner token recorded in PID namespace {@code namespace}.
     *
     * @param token     an owner word (pid and start time), 0 for none.
     * @param namespace the owner's PID namespace inode, 0 when not recorded.
     * @return its state; {@link #UNKNOWN} for a live-or-not owner of another namespace.
     */
    public static OwnerState of(final long token, final long namespace)
    {
        if (token == 0)
        {
            return NONE;
        }
        if (!ProcessIdentity.isCheckableFromHere(namespace))
        {
            return UNKNOWN;
        }
        return ProcessIdentity.fromToken(token).isAlive() ? ALIVE : DEAD;
    }

    /**
     * The state of an owner token, asking the kernel about an owner of another namespace that recorded a file lock
     * (see {@link io.shmq.process.OwnerLocks}): its lock held means alive, free means dead.
     *
     * @param token     an owner word, 0 for none.
     * @param namespace the owner's PID namespace inode, 0 when not recorded.
     * @param lockWord  the owner's lock word (1: it locked its token's bytes).
     * @param file      the queue file, or null (a SysV segment).
     * @param offset    the owner token's offset in the file.
     * @return its state; {@link #UNKNOWN} when nothing tells.
     */
    public static OwnerState of(final long token, final long namespace, final long lockWord,
        final Path file, final int offset)
    {
        final OwnerState state = of(token, namespace);
        final OwnerLocks locks = OwnerLocks.platformDefault();
        if (state != UNKNOWN || lockWord != 1 || file == null || locks == null)
        {
            return state;
        }
        try
        {
            return locks.isHeld(file, offset, Long.BYTES) ? ALIVE : DEAD;
        }
        catch (final UnsupportedOperationException ex)
        {
            return UNKNOWN;
        }
    }
}
