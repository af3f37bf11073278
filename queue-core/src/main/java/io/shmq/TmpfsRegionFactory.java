package io.shmq;

import io.shmq.errors.ShmqException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.region.MappedFileRegion;
import io.shmq.region.Region;
import io.shmq.region.RegionInitializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Queues as files: queue {@code NAME} is {@code DIRECTORY/shmq-NAME} (see {@link QueueName}), the directory being
 * the config's ({@code /dev/shm} by default), mapped shared.
 */
public final class TmpfsRegionFactory implements RegionFactory
{
    /** The one instance: it has no state, the config says where. */
    public static final TmpfsRegionFactory INSTANCE = new TmpfsRegionFactory();

    private TmpfsRegionFactory()
    {
    }

    /**
     * {@inheritDoc}
     */
    public Region create(final String name, final QueueConfig config, final RegionInitializer initializer)
    {
        return MappedFileRegion.create(QueueName.path(config.directory(), name),
            QueueHeaderDescriptor.HEADER_LENGTH + config.capacity(), config.permissions(), initializer);
    }

    /**
     * {@inheritDoc}
     */
    public Region open(final String name, final QueueConfig config)
    {
        return MappedFileRegion.open(QueueName.path(config.directory(), name), QueueHeaderDescriptor.HEADER_LENGTH,
            config.allowForeignOwner());
    }

    /**
     * {@inheritDoc}
     */
    public boolean delete(final String name, final QueueConfig config)
    {
        return delete(QueueName.path(config.directory(), name));
    }

    static boolean delete(final Path path)
    {
        try
        {
            return Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new ShmqException("cannot delete queue file " + path + ": " + ex, ex);
        }
    }
}
