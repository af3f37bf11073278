package io.shmq.inspect;

import io.shmq.process.ProcessIdentity;

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
}
