package io.shmq.tool;

import io.shmq.layout.BridgeStateDescriptor;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.RingProducer;
import org.agrona.concurrent.UnsafeBuffer;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.nativeio.SegmentPages;
import io.shmq.nativeio.SysVQueues;
import io.shmq.support.ChildJvm;
import io.shmq.support.HoldRoleProcess;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code shmq} tool against live, stale and damaged queues: list, stat, rm (refused while in use) and gc
 * (removes only what nobody uses).
 */
class ShmqToolTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private final List<String> printed = new ArrayList<>();

    private int shmq(final String... args)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<String> withDir = new ArrayList<>(List.of(args));
        withDir.add("--dir");
        withDir.add(shm.path().toString());
        final int status = ShmqTool.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), withDir.toArray(new String[0]));
        printed.clear();
        printed.addAll(List.of(bytes.toString(StandardCharsets.UTF_8).split("\n")));
        System.out.println(String.join(" ", args) + " ->\n" + bytes.toString(StandardCharsets.UTF_8));
        return status;
    }

    private String line(final String start)
    {
        return printed.stream().filter(l -> l.startsWith(start)).findFirst()
            .orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in " + printed));
    }

    @Test
    void listsStatsRemovesAndCollectsOnlyWhatNobodyUses() throws Exception
    {
        final QueueConfig config = QueueConfig.spsc(64 * 1024).withDirectory(shm.path());
        try (ShmQueue live = ShmQueue.create("live", config))
        {
            live.consumer();
            ShmQueue.create("stale", config).close();
            try (ChildJvm holder = ChildJvm.start(HoldRoleProcess.class, shm.path().toString(), "stale", "SPSC",
                "65536", Integer.toString(config.maxMessageLength()), Integer.toString(config.recordAlignment()),
                "consumer"))
            {
                holder.awaitOutput("HOLDING", 30);
                holder.kill();
            }
            Files.write(shm.path().resolve("shmq-junk"), new byte[5000]);

            assertEquals(0, shmq("list"));
            final String liveLine = line("live ");
            assertTrue(liveLine.contains("pid " + ProcessHandle.current().pid() + " (alive)"), liveLine);
            assertTrue(liveLine.trim().endsWith("no"), liveLine);
            final String staleLine = line("stale ");
            assertTrue(staleLine.contains("(dead)") && staleLine.trim().endsWith("yes"), staleLine);
            assertTrue(line("junk ").contains("not a shmq queue"));

            assertEquals(0, shmq("stat", "live"));
            assertTrue(line("  kind ").contains("kind SPSC, capacity 65536"));
            assertTrue(line("  attached processes").contains("1"), "this process maps it");
            assertEquals(1, shmq("stat", "missing"));

            assertEquals(1, shmq("rm", "live"), "in use: refused");
            assertTrue(Files.exists(shm.path().resolve("shmq-live")));

            assertEquals(0, shmq("gc", "--dry-run"));
            assertTrue(Files.exists(shm.path().resolve("shmq-stale")), "a dry run removes nothing");
            assertEquals(0, shmq("gc"));
            assertTrue(line("removed ").contains("shmq-stale"));
            assertFalse(Files.exists(shm.path().resolve("shmq-stale")));
            assertTrue(Files.exists(shm.path().resolve("shmq-live")), "live queues stay");
            assertTrue(Files.exists(shm.path().resolve("shmq-junk")), "what is not a queue stays");

            assertEquals(0, shmq("rm", "live", "--force"));
            assertFalse(Files.exists(shm.path().resolve("shmq-live")));
        }
    }

    @Test
    void seesSysVSegmentQueues()
    {
        final String name = "tool-sysv-" + ProcessHandle.current().pid();
        try (ShmQueue queue = SysVQueues.create(name, QueueConfig.mpsc(64 * 1024), SegmentPages.SMALL))
        {
            queue.consumer();
            assertEquals(0, shmq("list"));
            assertTrue(printed.stream().anyMatch(l -> l.startsWith(String.format("key 0x%08x", SysVQueues.keyOf(name))) &&
                l.contains("MPSC")), String.valueOf(printed));
            assertEquals(0, shmq("stat", name, "--sysv"));
            assertTrue(line("  kind ").contains("MPSC"));
            assertTrue(line("  attached processes").contains("1"));
        }
        finally
        {
            SysVQueues.delete(name);
        }
    }

    @Test
    void listAndStatShowBridgesAndTheSendersLag() throws Exception
    {
        final QueueConfig config = QueueConfig.spsc(64 * 1024).withDirectory(shm.path());
        try (ShmQueue orders = ShmQueue.create("orders", config))
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[100]);
            final RingProducer producer = orders.producer();
            for (int i = 0; i < 10; i++)
            {
                assertTrue(producer.offer(1, message, 0, 100));
            }
            final long tail = orders.header().tailPosition();
            // A sending half of this process that was acknowledged up to 1000 bytes before the tail.
            writeBridgeState(BridgeStateDescriptor.SENDER_PREFIX + "orders", BridgeStateDescriptor.SENDER_MAGIC,
                ProcessIdentity.current().token(), tail - 1000, tail - 1000, tail, 10, 0);
            // A receiving half whose process is gone.
            final Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            final long goneToken = ProcessIdentity.current().token() - (ProcessHandle.current().pid() << 42) +
                (gone.pid() << 42);
            writeBridgeState(BridgeStateDescriptor.RECEIVER_PREFIX + "orders", BridgeStateDescriptor.RECEIVER_MAGIC,
                goneToken, 4096, -1, -1, 7, 3);

            assertEquals(0, shmq("list"));
            final String sender = printed.stream().filter(l -> l.startsWith("orders ") && l.contains(" send "))
                .findFirst().orElseThrow(() -> new AssertionError(printed.toString()));
            assertTrue(sender.contains("pid " + ProcessHandle.current().pid() + " (alive)"), sender);
            assertTrue(sender.contains(" 1000 "), "lag: " + sender);
            final String receiver = printed.stream().filter(l -> l.startsWith("orders ") && l.contains(" receive "))
                .findFirst().orElseThrow(() -> new AssertionError(printed.toString()));
            assertTrue(receiver.contains("pid " + gone.pid() + " (gone)") && receiver.contains(" 4096 "), receiver);

            assertEquals(0, shmq("stat", "orders"));
            assertTrue(line("  bridge sender pid " + ProcessHandle.current().pid()).contains("lag 1000 bytes"),
                printed.toString());
            assertTrue(line("  bridge receiver pid").contains("committed up to 4096"), printed.toString());
            assertTrue(line("  bridge receiver pid").contains("3 frames rejected"), printed.toString());
            assertTrue(line("  bridge sender pid").contains("0 frames rejected"), printed.toString());
        }
    }

    private void writeBridgeState(final String file, final long magic, final long owner, final long end,
        final long second, final long third, final long messages, final long rejectedFrames) throws Exception
    {
        final UnsafeBuffer state = new UnsafeBuffer(new byte[BridgeStateDescriptor.LENGTH]);
        state.putLong(BridgeStateDescriptor.MAGIC_OFFSET, magic);
        state.putInt(BridgeStateDescriptor.VERSION_OFFSET, BridgeStateDescriptor.VERSION);
        state.putLong(BridgeStateDescriptor.OWNER_OFFSET, owner);
        state.putLong(BridgeStateDescriptor.UPDATED_MILLIS_OFFSET, System.currentTimeMillis());
        state.putLong(BridgeStateDescriptor.END_OFFSET, end);
        state.putLong(BridgeStateDescriptor.SECOND_OFFSET, second);
        state.putLong(BridgeStateDescriptor.THIRD_OFFSET, third);
        state.putLong(BridgeStateDescriptor.MESSAGES_OFFSET, messages);
        state.putLong(BridgeStateDescriptor.REJECTED_FRAMES_OFFSET, rejectedFrames);
        Files.write(shm.path().resolve(file), state.byteArray());
    }
}
