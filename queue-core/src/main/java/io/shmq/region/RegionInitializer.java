package io.shmq.region;

import org.agrona.concurrent.AtomicBuffer;

/**
 * Fills a freshly created region before anyone else can see it (the queue header, ending with the ready word).
 */
@FunctionalInterface
public interface RegionInitializer
{
    /**
     * Writes the initial contents of a new region.
     *
     * @param buffer the whole region, all zero.
     */
    void initialize(AtomicBuffer buffer);
}
