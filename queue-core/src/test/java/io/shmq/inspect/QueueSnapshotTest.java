package io.shmq.inspect;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingConsumer;
import io.shmq.support.ChildJvm;
import io.shmq.support.HoldRoleProcess;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a producer (or a tool) can tell about a queue's consumer: none, alive with a fresh heartbeat, or dead; and
 * which queue files are stale.
 */
class QueueSnapshotTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    void aWaitingConsumerKeepsItsHeartbeatFresh()
    {
        try (ShmQueue queue = ShmQueue.create("idle", QueueConfig.spsc(64 * 1024).withDirectory(shm.path())))
        {
            final RingConsumer consumer = queue.consumer();
            queue.region().buffer().putLongVolatile(QueueHeaderDescriptor.CONSUMER_HEARTBEAT_OFFSET, 1);
            assertTrue(System.currentTimeMillis() - QueueSnapshot.of(queue).heartbeatMillis() > 1_000_000, "made stale");
            consumer.awaitMessages(1_000_000);
            assertTrue(System.currentTimeMillis() - QueueSnapshot.of(queue).heartbeatMillis() < 10_000, "fresh again");
        }
    }

    @Test
    void producerTellsALiveConsumerFromADeadOne()
    {
        final QueueConfig config = QueueConfig.spsc(64 * 1024).withDirectory(shm.path());
        try (ShmQueue queue = ShmQueue.create("watched", config))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
            assertTrue(queue.producer().offer(1, message, 0, 8));
            QueueSnapshot snapshot = QueueSnapshot.of(queue);
            assertEquals(OwnerState.NONE, snapshot.consumer());
            assertEquals(config.recordAlignment(), snapshot.fill(), "one 8-byte message takes one alignment unit");

            try (ChildJvm consumer = ChildJvm.start(HoldRoleProcess.class, shm.path().toString(), "watched", "SPSC",
                "65536", Integer.toString(config.maxMessageLength()), Integer.toString(config.recordAlignment()),
                "consumer"))
            {
                consumer.awaitOutput("HOLDING", 30);
                snapshot = QueueSnapshot.of(queue);
                assertEquals(OwnerState.ALIVE, snapshot.consumer());
                assertEquals(consumer.pid(), ProcessIdentity.fromToken(snapshot.consumerToken()).pid());
                assertTrue(System.currentTimeMillis() - snapshot.heartbeatMillis() < 30_000, "heartbeat at attach");
                assertEquals(List.of(), QueueFiles.findStale(shm.path()), "in use");
                consumer.kill();
            }
            snapshot = QueueSnapshot.of(queue);
            assertEquals(OwnerState.DEAD, snapshot.consumer());
            assertFalse(snapshot.isStale(), "its own attached count is not looked up");
        }
        final List<QueueSnapshot> stale = QueueFiles.findStale(shm.path());
        assertEquals(1, stale.size(), "closed by all, consumer dead: stale");
        assertEquals("watched", stale.get(0).name());
    }
}
