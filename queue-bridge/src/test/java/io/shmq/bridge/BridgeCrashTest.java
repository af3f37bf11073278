package io.shmq.bridge;

import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.shmq.bridge.tool.BridgeCommand;
import io.shmq.platform.JvmRequirements;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each bridge half in a child JVM ({@code shmq bridge send|receive}), killed with SIGKILL at random moments while
 * messages flow and started again; in the second pair of cases each host also runs an external Aeron media driver
 * in a child JVM of its own, and the drivers are killed (and started again) too:
 * the consumer on B sees every message once and in order, and prints the longest stall. A few kills in every
 * build; with {@code -Pchaos}, {@code shmq.chaos.kills} of them (300 by default). The random seed is
 * {@code shmq.bridge.seed}, or the clock's, and printed.
 */
class BridgeCrashTest
{

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    private final UnsafeBuffer src = new UnsafeBuffer(new byte[2048]);

    /** 16 B to 1 KiB; every 64th up to 2 KiB, longer than a datagram (a MESSAGE frame, in fragments). */
    private static int lengthOf(final long i)
    {
        return 16 + (int)((i * 7919) % (i % 64 == 0 ? 2000 : 1000));
    }

    /**
     * How long a bridge's Aeron client waits for a silent media driver before taking it for dead, in the runs with
     * external drivers (Aeron's default is 10 s; its driver beats every second).
     */
    private static final int DRIVER_TIMEOUT_MS = 3_000;

    @Test
    @Timeout(300)
    void killingEitherHalfLosesRepeatsAndReordersNothing() throws Exception
    {
        killAndCount(6, false, 0);
    }

    @Test
    @Timeout(300)
    void killingAMediaDriverLosesRepeatsAndReordersNothing() throws Exception
    {
        killAndCount(4, true, 0);
    }

    @Test
    @Timeout(300)
    void onALossyWireKillsLoseRepeatAndReorderNothing() throws Exception
    {
        killAndCount(4, false, 0.05);
    }

    @Test
    @Tag("chaos")
    @Timeout(3600)
    void hundredsOfKillsLoseRepeatAndReorderNothing() throws Exception
    {
        killAndCount(Integer.getInteger("shmq.chaos.kills", 300), false, 0);
    }

    @Test
    @Tag("chaos")
    @Timeout(3600)
    void killsOfDriversAndBridgesOnALossyWireLoseRepeatAndReorderNothing() throws Exception
    {
        killAndCount(Integer.getInteger("shmq.chaos.driverKills", 40), true, 0.02);
    }

    /**
     * Kills a random bridge half (or, with {@code drivers}, a media driver) {@code kills} times while messages
     * flow, with every media driver dropping {@code loss} of the data and of the control datagrams it receives
     * (Aeron's own loss generators: the kernel here has no {@code netem}).
     */
    private void killAndCount(final int kills, final boolean drivers, final double loss) throws Exception
    {
        final List<String> driverOptions = lossOptions(loss);
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
            final Path aeronA = hostA.path().resolve("aeron");
            final Path aeronB = hostB.path().resolve("aeron");
            final String[] sendArgs = drivers ?
                new String[]{ "send", "--queue", name, "--to", data, "--acks", acks, "--dir", hostA.path().toString(),
                    "--aeron-dir", aeronA.toString() } :
                new String[]{ "send", "--queue", name, "--to", data, "--acks", acks, "--dir",
                    hostA.path().toString() };
            final String[] receiveArgs = drivers ?
                new String[]{ "receive", "--queue", name, "--from", data, "--acks", acks, "--dir",
                    hostB.path().toString(), "--aeron-dir", aeronB.toString() } :
                new String[]{ "receive", "--queue", name, "--from", data, "--acks", acks, "--dir",
                    hostB.path().toString() };
            final ChildJvm[] children = new ChildJvm[4];
            final int senderIndex = 0;
            final int receiverIndex = 1;
            final long[] next = { 0 };
            long sent = 0;
            long longestStallNanos = 0;
            final long[] longestByVictim = new long[4];
            final int[] killed = new int[4];
            try
            {
                if (drivers)
                {
                    children[2] = startDriver(aeronA, driverOptions);
                    children[3] = startDriver(aeronB, driverOptions);
                    awaitDriver(aeronA);
                    awaitDriver(aeronB);
                }
                final List<String> bridgeOptions = drivers ? List.of() : driverOptions;
                children[senderIndex] = start(bridgeOptions, sendArgs);
                children[receiverIndex] = start(bridgeOptions, receiveArgs);
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
                    final int victim = random.nextInt(drivers ? 4 : 2);
                    children[victim].process().destroyForcibly().waitFor();
                    killed[victim]++;
                    final long killedAt = System.nanoTime();
                    switch (victim)
                    {
                        case senderIndex -> children[victim] = start(bridgeOptions, sendArgs);
                        case receiverIndex -> children[victim] = start(bridgeOptions, receiveArgs);
                        // A driver comes back after a while (a supervisor's restart); its bridge waits for it.
                        default ->
                        {
                            Thread.sleep(random.nextInt(1_000));
                            children[victim] = startDriver(victim == 2 ? aeronA : aeronB, driverOptions);
                        }
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
                                    "\nsender:\n" + children[senderIndex].output() + "\nreceiver:\n" +
                                    children[receiverIndex].output());
                            }
                            Thread.sleep(1);
                        }
                    }
                    final long stall = System.nanoTime() - killedAt;
                    longestStallNanos = Math.max(longestStallNanos, stall);
                    longestByVictim[victim] = Math.max(longestByVictim[victim], stall);
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
                for (final ChildJvm child : children)
                {
                    if (child != null)
                    {
                        child.kill();
                    }
                }
                // The embedded drivers' directories, which a killed bridge leaves for its next run to empty.
                ShmDirectory.deleteRecursively(Path.of(CommonContext.getAeronDirectoryName() + "-shmq-bridge-send-" +
                    name));
                ShmDirectory.deleteRecursively(Path.of(CommonContext.getAeronDirectoryName() +
                    "-shmq-bridge-receive-" + name));
            }
            System.out.printf("%s%s: %d (seed %d; senders %d, receivers %d, drivers %d), messages %d, received in " +
                "order %d, longest stall %.2f s (after a sender's kill %.2f s, a receiver's %.2f s, a driver's on " +
                "A %.2f s, on B %.2f s)%n", drivers ? "bridge and driver kills" : "bridge kills",
                loss == 0 ? "" : String.format(" (%.0f %% of datagrams dropped)", loss * 100), kills, seed,
                killed[0], killed[1], killed[2] + killed[3], sent, next[0], longestStallNanos / 1e9,
                longestByVictim[0] / 1e9, longestByVictim[1] / 1e9, longestByVictim[2] / 1e9,
                longestByVictim[3] / 1e9);
            assertEquals(sent, next[0], "every message once, in order");
        }
    }

    /** Aeron's loss generators, on every endpoint a driver receives on: data and control datagrams alike. */
    private static List<String> lossOptions(final double loss)
    {
        if (loss == 0)
        {
            return List.of();
        }
        return List.of(
            "-Daeron.ReceiveChannelEndpoint.supplier=io.aeron.driver.ext.DebugReceiveChannelEndpointSupplier",
            "-Daeron.debug.receive.data.loss.rate=" + loss,
            "-Daeron.debug.receive.control.loss.rate=" + loss);
    }

    private static ChildJvm start(final List<String> driverOptions, final String[] args)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.add("-Daeron.driver.timeout=" + DRIVER_TIMEOUT_MS);
        options.addAll(driverOptions);
        final ChildJvm child = ChildJvm.start(options, BridgeCommand.class, args);
        child.awaitOutput("running", 60);
        return child;
    }

    /**
     * An Aeron media driver of its own in {@code directory}, as a host's operator would run it. A killed bridge's
     * subscription stays in its driver, holding the stream's flow control at its last position, until the driver
     * times the dead client out ({@code aeron.client.liveness.timeout}, 10 s by default): 3 s here.
     */
    private static ChildJvm startDriver(final Path directory, final List<String> driverOptions)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.addAll(List.of("-Daeron.dir=" + directory, "-Daeron.dir.delete.on.start=true",
            "-Daeron.dir.delete.on.shutdown=true", "-Daeron.threading.mode=SHARED",
            "-Daeron.client.liveness.timeout=" + TimeUnit.MILLISECONDS.toNanos(DRIVER_TIMEOUT_MS),
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        options.addAll(driverOptions);
        return ChildJvm.start(options, MediaDriver.class);
    }

    private static void awaitDriver(final Path directory) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(directory.resolve("cnc.dat")))
        {
            if (System.nanoTime() > deadline)
            {
                fail("no media driver came up in " + directory);
            }
            Thread.sleep(10);
        }
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
