package io.shmq.tool;

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
}
