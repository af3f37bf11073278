package io.shmq.ring;

import io.shmq.QueueOwnershipException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.process.ProcessIdentity;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Claims and releases a role (the consumer, the SPSC producer) through a 64-bit owner token in the queue header.
 * A live owner keeps its role; an owner that is no longer alive (pid gone or reused) is replaced, and the
 * takeover is counted, so that a crashed process never locks its queue forever.
 */
final class RoleOwnership
{
    private final AtomicBuffer header;
    private final int offset;
    private final String role;
    private final String queue;
    private final long token;
    private final int namespaceOffset;
    private boolean held;

    RoleOwnership(
        final AtomicBuffer header, final int offset, final int namespaceOffset, final String role, final String queue)
    {
        this.header = header;
        this.offset = offset;
        this.namespaceOffset = namespaceOffset;
        this.role = role;
        this.queue = queue;
        this.token = ProcessIdentity.current().token();
    }

    /**
     * Takes the role, or throws when a live process holds it.
     *
     * @return true when a dead owner was replaced.
     */
    boolean acquire()
    {
        while (true)
        {
            final long current = header.getLongVolatile(offset);
            if (current == 0)
            {
                if (header.compareAndSetLong(offset, 0, token))
                {
                    held = true;
                    recordNamespace();
                    return false;
                }
                continue;
            }

            final long namespace = header.getLongVolatile(namespaceOffset);
            if (!ProcessIdentity.isCheckableFromHere(namespace) && current != token)
            {
                throw new QueueOwnershipException(queue + " already has a " + role + ": pid " +
                    ProcessIdentity.fromToken(current).pid() + " of another PID namespace (" + namespace + "; ours " +
                    ProcessIdentity.pidNamespace() + ") owns it, and whether it lives cannot be told from here, so it " +
                    "is not taken over. Stop that process (it gives the role up when it closes the queue), or remove " +
                    "the queue if it is dead");
            }

            final ProcessIdentity owner = ProcessIdentity.fromToken(current);
            if (current == token)
            {
                throw new QueueOwnershipException(queue + " already has a " + role + " in this process (" + owner +
                    "); a second one would corrupt the queue: close the first one, or share it");
            }
            if (owner.isAlive())
            {
                throw new QueueOwnershipException(queue + " already has a " + role + ": " + owner +
                    " is alive and owns it; a second one would corrupt the queue. Stop that process first");
            }
            if (header.compareAndSetLong(offset, current, token))
            {
                held = true;
                recordNamespace();
                header.getAndAddLong(
                    QueueHeaderDescriptor.counterOffset(QueueHeaderDescriptor.COUNTER_OWNER_TAKEOVERS), 1);
                return true;
            }
        }
    }

    /**
     * Records our PID namespace next to the token, so that other namespaces know not to judge our pid.
     */
    private void recordNamespace()
    {
        header.putLongRelease(namespaceOffset, ProcessIdentity.pidNamespace());
    }

    /**
     * Gives the role up if this object still holds it.
     */
    void release()
    {
        if (held)
        {
            held = false;
            header.compareAndSetLong(offset, token, 0);
        }
    }
}
