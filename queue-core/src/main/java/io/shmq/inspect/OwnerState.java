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
    DEAD;

    /**
     * The state of an owner token.
     *
     * @param token an owner word (pid and start time), 0 for none.
     * @return its state.
     */
    public static OwnerState of(final long token)
    {
        if (token == 0)
        {
            return NONE;
        }
        return ProcessIdentity.fromToken(token).isAlive() ? ALIVE : DEAD;
    }
}
