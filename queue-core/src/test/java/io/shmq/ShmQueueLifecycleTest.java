package io.shmq;

import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Creating, opening and deleting queues by name.
 */
class ShmQueueLifecycleTest
{
    private static final String NAME = "lifecycle";

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private QueueConfig config()
    {
        return QueueConfig.spsc(1024).withDirectory(shm.path());
    }

    @Test
    void createOrOpenCreatesThenOpens()
    {
        try (ShmQueue first = ShmQueue.createOrOpen(NAME, config());
             ShmQueue second = ShmQueue.createOrOpen(NAME, config()))
        {
            assertEquals(first.header().creationEpochMillis(), second.header().creationEpochMillis());
        }
    }

    @Test
    void deleteRemovesTheFile()
    {
        ShmQueue.create(NAME, config()).close();
        assertTrue(ShmQueue.delete(NAME, shm.path()));
        assertFalse(ShmQueue.delete(NAME, shm.path()));
        assertFalse(Files.exists(QueueName.path(shm.path(), NAME)));
    }
}
