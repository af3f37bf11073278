package io.shmq.ring;

import io.shmq.errors.QueueOwnershipException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.process.OwnerLocks;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Claims and releases a role (the consumer, the SPSC producer) through a 64-bit owner token in the queue header.
 * A live owner keeps its role; an owner that is no longer alive is replaced, and the takeover is counted, so that
 * a crashed process never locks its queue forever.
 *
 * <p>Who is alive: an owner of this PID namespace by its pid and start time. Where the region is a file and a lock
 * provider is present ({@link io.shmq.process.OwnerLocks}), the owner also holds an exclusive lock on the 8 bytes
 * of its token in the file, and says so in its lock word; the kernel drops the lock when the owner dies. That is
 * what tells a dead owner of another PID namespace (a restarted container sharing {@code /dev/shm}) from a live
 * one: whoever takes the lock knows that no live process holds it. An owner of another namespace without a lock
 * word is never taken over.
 */
final class RoleOwnership
{
    private final AtomicBuffer header;
    private final int offset;
    private final int namespaceOffset;
    private final int lockOffset;
    private final Ring.OwnerLocker locker;
    private final String role;
    private final String queue;
    private final long token;
    private OwnerLocks.Lock lock;
    private boolean held;

    RoleOwnership(final Ring ring, final int offset, final int namespaceOffset, final int lockOffset,
        final String role)
    {
        this.header = ring.header();
        this.offset = offset;
        this.namespaceOffset = namespaceOffset;
        this.lockOffset = lockOffset;
        this.locker = ring.ownerLocker();
        this.role = role;
        this.queue = ring.queue();
        this.token = ProcessIdentity.current().token();
    }

    /**
     * Takes the role, or throws when a live process holds it.
     *
     * @return true when a dead owner was replaced.
     */
    boolean acquire()
    {
        lock = tryLock();
        boolean acquired = false;
        try
        {
            final boolean takenOver = acquireToken();
            acquired = true;
            return takenOver;
        }
        finally
        {
            if (!acquired)
            {
                unlock();
            }
        }
    }

    private boolean acquireToken()
    {
        while (true)
        {
            final long current = header.getLongVolatile(offset);
            if (current == 0)
            {
                if (header.compareAndSetLong(offset, 0, token))
                {
                    recordOwner();
                    return false;
                }
                continue;
            }

            final ProcessIdentity owner = ProcessIdentity.fromToken(current);
            if (current == token)
            {
                throw new QueueOwnershipException(queue + " already has a " + role + " in this process (" + owner +
                    "); a second one would corrupt the queue: close the first one, or share it");
            }
            final long namespace = header.getLongVolatile(namespaceOffset);
            final OwnerState state = OwnerState.of(current, namespace);
            if (state == OwnerState.ALIVE)
            {
                throw new QueueOwnershipException(queue + " already has a " + role + ": " + owner +
                    " is alive and owns it; a second one would corrupt the queue. Stop that process first");
            }
            else if (state == OwnerState.UNKNOWN && (lock == null || header.getLongVolatile(lockOffset) != 1))
            {
                throw new QueueOwnershipException(queue + " already has a " + role + ": pid " + owner.pid() +
                    " of another PID namespace (" + namespace + "; ours " + ProcessIdentity.pidNamespace() +
                    ") owns it, and whether it lives cannot be told from here (" + (lock == null ?
                    "this process cannot lock the queue file: put queue-native on the class path" :
                    "it did not lock its role in the queue file") + "), so it is not taken over. Stop that " +
                    "process (it gives the role up when it closes the queue), or remove the queue if it is dead");
            }
            // Of another namespace but it recorded a lock, which we now hold: it is dead.

            if (header.compareAndSetLong(offset, current, token))
            {
                recordOwner();
                header.getAndAddLong(
                    QueueHeaderDescriptor.counterOffset(QueueHeaderDescriptor.COUNTER_OWNER_TAKEOVERS), 1);
                return true;
            }
        }
    }

    /**
     * Locks our token's bytes in the file: held by someone else means a live owner, whatever the token says.
     */
    private OwnerLocks.Lock tryLock()
    {
        if (locker == null)
        {
            return null;
        }
        final OwnerLocks.Lock taken;
        try
        {
            taken = locker.tryLock(offset);
        }
        catch (final UnsupportedOperationException ex)
        {
            return null;
        }
        if (taken == null)
        {
            final long current = header.getLongVolatile(offset);
            final String holder;
            if (current == token)
            {
                holder = "one in this process";
            }
            else if (ProcessIdentity.isCheckableFromHere(header.getLongVolatile(namespaceOffset)))
            {
                holder = "a live process (" + ProcessIdentity.fromToken(current) + ") holds its lock on the file";
            }
            else
            {
                holder = "a live process of another PID namespace (its pid there: " +
                    ProcessIdentity.fromToken(current).pid() + ") holds its lock on the file";
            }
            throw new QueueOwnershipException(queue + " already has a " + role + ": " + holder +
                "; a second one would corrupt the queue. Stop that process first");
        }
        return taken;
    }

    /**
     * Records, next to our token, our PID namespace (so other namespaces know not to judge our pid) and whether we
     * hold the token's lock.
     */
    private void recordOwner()
    {
        held = true;
        header.putLongRelease(namespaceOffset, ProcessIdentity.pidNamespace());
        header.putLongRelease(lockOffset, lock != null ? 1 : 0);
    }

    /**
     * Gives the role up if this object still holds it: the lock word first, then the token, then the lock.
     */
    void release()
    {
        if (held)
        {
            held = false;
            header.putLongRelease(lockOffset, 0);
            header.compareAndSetLong(offset, token, 0);
        }
        unlock();
    }

    private void unlock()
    {
        if (lock != null)
        {
            lock.close();
            lock = null;
        }
    }
}
