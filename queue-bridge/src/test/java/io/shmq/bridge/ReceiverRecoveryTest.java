package io.shmq.bridge;

import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.ring.SlotClaim;
import io.shmq.ring.SpscRingProducer;
import io.shmq.support.ShmDirectory;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A receiver that died inside a commit, after noting it and before noting it done: its successor counts the
 * message as committed exactly when the ring holds it, so it is neither written twice nor skipped.
 */
class ReceiverRecoveryTest
{
    @RegisterExtension
    final ShmDirectory host = new ShmDirectory();

    private static BridgeConfig config()
    {
        return BridgeConfig.of(LoopbackChannels.free(), LoopbackChannels.free());
    }

    /** A predecessor's last moments: it committed up to 100, noted a commit of the message ending at 164... */
    private static void dieInsideACommit(final ShmQueue queue, final boolean ringCommitDone)
    {
        final SpscRingProducer producer = (SpscRingProducer)queue.producer();
        try (BridgeState state = BridgeState.open(BridgeState.path(host(queue), queue.name(), true), true))
        {
            state.end(100);
            final SlotClaim claim = new SlotClaim();
            assertTrue(producer.claim(1, 8, claim));
            state.begin(164, producer.tailPosition());
            claim.buffer().putLong(claim.offset(), 164);
            if (ringCommitDone)
            {
                // ...and the ring's commit, but not "committed 164".
                claim.commit();
            }
        }
        producer.close();
    }

    private String driverDirectory()
    {
        return host.path().resolve("aeron").toString();
    }

    private static java.nio.file.Path host(final ShmQueue queue)
    {
        return queue.region().file().toAbsolutePath().getParent();
    }

    @Test
    @Timeout(60)
    void aCommitThatReachedTheRingCounts() throws Exception
    {
        try (ShmQueue queue = ShmQueue.create("orders", QueueConfig.spsc(4096).withDirectory(host.path())))
        {
            dieInsideACommit(queue, true);
            final BridgeReceiver successor =
                new BridgeReceiver(queue, config().withEmbeddedDriverDirectory(driverDirectory()));
            try
            {
                assertEquals(164, successor.committedPosition());
            }
            finally
            {
                CloseHelper.close(successor::onClose);
            }
            final long[] read = new long[1];
            assertEquals(1, queue.consumer().read((type, buffer, index, length) -> read[0] = buffer.getLong(index),
                10));
            assertEquals(164, read[0], "the message is in the queue once");
        }
    }

    @Test
    @Timeout(60)
    void aCommitThatDidNotReachTheRingDoesNot() throws Exception
    {
        try (ShmQueue queue = ShmQueue.create("orders", QueueConfig.spsc(4096).withDirectory(host.path())))
        {
            dieInsideACommit(queue, false);
            final BridgeReceiver successor =
                new BridgeReceiver(queue, config().withEmbeddedDriverDirectory(driverDirectory()));
            try
            {
                assertEquals(100, successor.committedPosition(), "the message is asked for again");
            }
            finally
            {
                CloseHelper.close(successor::onClose);
            }
            assertEquals(0, queue.consumer().read((type, buffer, index, length) -> { }, 10), "nothing half-written");
        }
    }
}
