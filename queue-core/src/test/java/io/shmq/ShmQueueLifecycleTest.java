package io.shmq;

import io.shmq.errors.QueueClosedException;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void closingTheQueueFromTheConsumersHandlerStopsTheReadAndUnmapsAfterIt()
    {
        for (final RingKind kind : RingKind.values())
        {
            final String name = NAME + "-" + kind;
            final ShmQueue queue = ShmQueue.create(name, QueueConfig.of(kind, 64 * 1024)
                .withDirectory(shm.path()));
            final RingProducer producer = queue.producer();
            final RingConsumer consumer = queue.consumer();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[1024]);
            for (int i = 0; i < 20; i++)
            {
                assertTrue(producer.offer(1, payload, 0, payload.capacity()));
            }
            final int[] seen = { 0 };
            // Before, the unmap came under the read: the next record's header load was a SIGSEGV.
            final int read = consumer.read((type, buffer, index, length) ->
            {
                seen[0]++;
                buffer.getLong(index + length - 8);
                queue.close();
            }, 64);
            assertEquals(1, read, kind + ": the read stops after the message whose handler closed the queue");
            assertEquals(1, seen[0]);
            assertThrows(QueueClosedException.class, queue::region, kind + ": unmapped once the read returned");
            ShmQueue.delete(name, shm.path());
        }
    }
}
