package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.RegionFactory;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.region.Region;
import io.shmq.region.RegionInitializer;

/**
 * Queues as SysV segments: queue {@code NAME} under key {@link SysVQueues#keyOf(String) keyOf(NAME)}, new ones on
 * the pages given here, with the config's permissions as the segment's mode.
 */
final class SysVRegionFactory implements RegionFactory
{
    private final SegmentPages pages;

    SysVRegionFactory(final SegmentPages pages)
    {
        this.pages = pages;
    }

    /**
     * {@inheritDoc}
     */
    public Region create(final String name, final QueueConfig config, final RegionInitializer initializer)
    {
        return SysVSegmentRegion.create(SysVQueues.keyOf(name), QueueHeaderDescriptor.HEADER_LENGTH + config.capacity(),
            pages, SysVQueues.mode(config), initializer, what(name));
    }

    /**
     * {@inheritDoc}
     */
    public Region open(final String name, final QueueConfig config)
    {
        return SysVSegmentRegion.open(SysVQueues.keyOf(name), QueueHeaderDescriptor.HEADER_LENGTH,
            config.allowForeignOwner(), what(name));
    }

    /**
     * {@inheritDoc}
     */
    public boolean delete(final String name, final QueueConfig config)
    {
        return SysVQueues.delete(name);
    }

    private static String what(final String name)
    {
        return "queue '" + name + "'";
    }
}
