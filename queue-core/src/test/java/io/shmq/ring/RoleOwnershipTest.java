package io.shmq.ring;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.support.ChildJvm;
import io.shmq.support.HoldRoleProcess;
import io.shmq.support.ProducerProcess;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One consumer (and one SPSC producer) at a time, in this process and across processes, with takeover from a
 * dead owner.
 */
class RoleOwnershipTest
{
    private static final String NAME = "owned";

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private QueueConfig config()
    {
        return QueueConfig.spsc(1024).withDirectory(shm.path());
    }

    @Test
    void secondConsumerInTheSameProcessIsRefused()
    {
        try (ShmQueue queue = ShmQueue.create(NAME, config()); ShmQueue again = ShmQueue.open(NAME, config()))
        {
            queue.consumer();
            final QueueOwnershipException ex = assertThrows(QueueOwnershipException.class, again::consumer);
            assertTrue(ex.getMessage().contains("already has a consumer"), ex.getMessage());
            assertTrue(ex.getMessage().contains("pid " + ProcessHandle.current().pid()), ex.getMessage());
        }
    }

    @Test
    void consumerRoleIsFreeAgainAfterClose()
    {
        try (ShmQueue queue = ShmQueue.create(NAME, config()))
        {
            queue.consumer().close();
            queue.consumer().close();
            assertEquals(0, queue.header().consumerOwnerToken());
        }
    }

    @Test
    void secondSpscProducerIsRefusedButMpscProducersShare()
    {
        try (ShmQueue queue = ShmQueue.create(NAME, config()))
        {
            queue.producer();
            final QueueOwnershipException ex = assertThrows(QueueOwnershipException.class, queue::producer);
            assertTrue(ex.getMessage().contains("already has a producer"), ex.getMessage());
        }
        try (ShmQueue queue = ShmQueue.create("many", QueueConfig.mpsc(1024).withDirectory(shm.path())))
        {
            final RingProducer first = queue.producer();
            assertSame(first, queue.producer());
        }
    }

    @Test
    @Timeout(60)
    void liveConsumerInAnotherProcessIsRefusedAndADeadOneIsReplaced()
    {
        assertRoleHeldThenTakenOver("consumer");
    }

    @Test
    @Timeout(60)
    void liveSpscProducerInAnotherProcessIsRefusedAndADeadOneIsReplaced()
    {
        assertRoleHeldThenTakenOver("producer");
    }

    private void assertRoleHeldThenTakenOver(final String role)
    {
        try (ShmQueue queue = ShmQueue.create(NAME, config()))
        {
            final String[] args = Stream.concat(Arrays.stream(ProducerProcess.args(shm.path(), NAME, config())),
                Stream.of(role)).toArray(String[]::new);
            try (ChildJvm child = ChildJvm.start(HoldRoleProcess.class, args))
            {
                child.awaitOutput("HOLDING", 30);
                final QueueOwnershipException ex = assertThrows(QueueOwnershipException.class,
                    () -> take(queue, role));
                assertTrue(ex.getMessage().contains("pid " + child.pid()), ex.getMessage());
                assertTrue(ex.getMessage().contains("is alive"), ex.getMessage());

                child.kill();
                final long before = queue.header().counter(QueueHeaderDescriptor.COUNTER_OWNER_TAKEOVERS);
                take(queue, role);
                assertEquals(before + 1, queue.header().counter(QueueHeaderDescriptor.COUNTER_OWNER_TAKEOVERS));
            }
        }
    }

    private static void take(final ShmQueue queue, final String role)
    {
        if ("consumer".equals(role))
        {
            queue.consumer();
        }
        else
        {
            queue.producer();
        }
    }
}
