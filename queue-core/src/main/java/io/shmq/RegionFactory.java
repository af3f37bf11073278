package io.shmq;

import io.shmq.errors.InvalidQueueException;
import io.shmq.errors.QueueExistsException;
import io.shmq.errors.QueueNotFoundException;
import io.shmq.region.Region;
import io.shmq.region.RegionInitializer;

/**
 * Where queues live by name: makes, finds and removes the region that holds queue {@code name}. {@link ShmQueue}
 * writes the lifecycle (create, open, create-or-open, attach) once over this; {@link TmpfsRegionFactory} keeps
 * queues in files, queue-native's {@code SysVQueues} in SysV segments.
 */
public interface RegionFactory
{
    /**
     * Creates the region of a new queue and fills it with {@code initializer} before anyone else can open it.
     *
     * @param name        the queue name.
     * @param config      the queue's shape (its capacity sizes the region) and permissions.
     * @param initializer writes the header, ready word last.
     * @return the new region.
     * @throws QueueExistsException when something already exists under the name.
     */
    Region create(String name, QueueConfig config, RegionInitializer initializer);

    /**
     * Maps the region of an existing queue, after the checks its kind of region allows (owner, size, kind of file).
     *
     * @param name   the queue name.
     * @param config where to look and whether another user's queue is acceptable.
     * @return the region.
     * @throws QueueNotFoundException when nothing exists under the name.
     * @throws InvalidQueueException  when something exists but cannot be a queue of ours.
     */
    Region open(String name, QueueConfig config);

    /**
     * Removes queue {@code name}; processes that have it mapped keep their memory until they close it.
     *
     * @param name   the queue name.
     * @param config where to look.
     * @return true when something was removed.
     */
    boolean delete(String name, QueueConfig config);
}
