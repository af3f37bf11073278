package io.shmq.bridge;

import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.aeron.CommonContext;
import io.shmq.bridge.tool.BridgeCommand;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each bridge half in a child JVM ({@code shmq bridge send|receive}), killed with SIGKILL at random moments while
 * messages flow and started again:
 * the consumer on B sees every message once and in order, and prints the longest stall. Six kills in every build;
 * with {@code -Pchaos}, {@code shmq.chaos.kills} of them (300 by default). The random seed is
 * {@code shmq.bridge.seed}, or the clock's, and printed.
 */
class BridgeCrashTest
{

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[2048]);

    private static int lengthOf(final long i)
    {
        return 16 + (int)((i * 7919) % 1000);
    }

    @Test
    @Timeout(300)
    void killingEitherHalfLosesRepeatsAndReordersNothing() throws Exception
    {
        killAndCount(6);
    }

    @Test
    @Tag("chaos")
    @Timeout(3600)
    void hundredsOfKillsLoseRepeatAndReorderNothing() throws Exception
    {
        killAndCount(Integer.getInteger("shmq.chaos.kills", 300));
    }

    private void killAndCount(final int kills) throws Exception
    {
        final String data = LoopbackChannels.free();
        final String acks = LoopbackChannels.free();
        final long seed = Long.getLong("shmq.bridge.seed", System.nanoTime());
        final Random random = new Random(seed);
        final QueueConfig a = QueueConfig.mpsc(64 * 1024).withDirectory(hostA.path()).withMaxMessageLength(2048);
        final QueueConfig b = QueueConfig.spsc(64 * 1024).withDirectory(hostB.path()).withMaxMessageLength(2048);
        final String name = "orders-" + ProcessHandle.current().pid();
        try (ShmQueue source = ShmQueue.create(name, a); ShmQueue target = ShmQueue.create(name, b))
        {
            final RingProducer producer = source.producer();
            final RingConsumer consumer = target.consumer();
            final String[] sendArgs = { "send", "--queue", name, "--to", data, "--acks", acks,
                "--dir", hostA.path().toString() };
            final String[] receiveArgs = { "receive", "--queue", name, "--from", data, "--acks", acks,
                "--dir", hostB.path().toString() };
            ChildJvm sender = start(sendArgs);
            ChildJvm receiver = start(receiveArgs);
            final long[] next = { 0 };
            long sent = 0;
            long longestStallNanos = 0;
            try
            {
                for (int kill = 0; kill < kills; kill++)
                {
                    // Send for a random while, then kill one half with messages in flight.
                    final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(400));
                    while (System.nanoTime() < until)
                    {
                        if (offer(producer, sent))
                        {
                            sent++;
                        }
                        drain(consumer, next);
                    }
                    final boolean killSender = random.nextBoolean();
                    final ChildJvm victim = killSender ? sender : receiver;
                    victim.process().destroyForcibly().waitFor();
                    final long killedAt = System.nanoTime();
                    if (killSender)
                    {
                        sender = start(sendArgs);
                    }
                    else
                    {
                        receiver = start(receiveArgs);
                    }
                    // The stall: from the kill until a message offered now arrives.
                    final long marker = sent;
                    while (!offer(producer, sent))
                    {
                        drain(consumer, next);
                        Thread.onSpinWait();
                    }
                    sent++;
                    final long deadline = killedAt + TimeUnit.SECONDS.toNanos(60);
                    while (next[0] <= marker)
                    {
                        if (drain(consumer, next) == 0)
                        {
                            if (System.nanoTime() > deadline)
                            {
                                fail("stalled at message " + next[0] + " of " + sent + " after kill " + kill +
                                    "\nsender:\n" + sender.output() + "\nreceiver:\n" + receiver.output());
                            }
                            Thread.sleep(1);
                        }
                    }
                    longestStallNanos = Math.max(longestStallNanos, System.nanoTime() - killedAt);
                }
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (next[0] < sent && System.nanoTime() < deadline)
                {
                    if (drain(consumer, next) == 0)
                    {
                        Thread.sleep(1);
                    }
                }
            }
            finally
            {
                sender.kill();
                receiver.kill();
                // The embedded drivers' directories, which a killed bridge leaves for its next run to empty.
                ShmDirectory.deleteRecursively(Path.of(CommonContext.getAeronDirectoryName() + "-shmq-bridge-send-" +
                    name));
                ShmDirectory.deleteRecursively(Path.of(CommonContext.getAeronDirectoryName() +
                    "-shmq-bridge-receive-" + name));
            }
            System.out.printf("bridge kills: %d (seed %d), messages %d, received in order %d, longest stall %.2f s%n",
                kills, seed, sent, next[0], longestStallNanos / 1e9);
            assertEquals(sent, next[0], "every message once, in order");
        }
    }

    private static ChildJvm start(final String[] args)
    {
        final ChildJvm child = ChildJvm.start(BridgeCommand.class, args);
        child.awaitOutput("running", 60);
        return child;
    }

    private boolean offer(final RingProducer producer, final long i)
    {
        final int length = lengthOf(i);
        src.putLong(0, i);
        src.putLong(length - 8, ~i);
        return producer.offer(1 + (int)(i % 5), src, 0, length);
    }

    /** Reads what arrived; any message out of order, repeated, or damaged fails the test. */
    private static int drain(final RingConsumer consumer, final long[] next)
    {
        return consumer.read((type, buffer, index, length) ->
        {
            final long i = buffer.getLong(index);
            if (i != next[0])
            {
                fail((i < next[0] ? "repeated" : "lost or reordered") + ": message " + i + " where " + next[0] +
                    " was next");
            }
            assertEquals(1 + (int)(i % 5), type);
            assertEquals(lengthOf(i), length);
            assertEquals(~i, buffer.getLong(index + length - 8));
            next[0]++;
        }, 256);
    }
}
