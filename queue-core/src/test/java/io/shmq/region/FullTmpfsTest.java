package io.shmq.region;

import io.shmq.process.ProcessIdentity;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.errors.ShmqException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A queue larger than the free space of its tmpfs fails at creation with a clear message and leaves no file,
 * instead of a SIGBUS at the first touch of a page that was never reserved. Mounts a 512 KiB tmpfs (needs root).
 */
class FullTmpfsTest
{
    private Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountSmallTmpfs() throws Exception
    {
        assumeTrue(ProcessIdentity.effectiveUid() == 0, "mounting a tmpfs needs root");
        mountPoint = Files.createTempDirectory("shmq-small-tmpfs-");
        mounted = run("mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "shmq-test", mountPoint.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here");
    }

    @AfterEach
    void unmount() throws Exception
    {
        if (mounted)
        {
            run("umount", mountPoint.toString());
        }
        if (mountPoint != null)
        {
            Files.deleteIfExists(mountPoint);
        }
    }

    @Test
    void creationOnAFullTmpfsFailsCleanly() throws IOException
    {
        final QueueConfig config = QueueConfig.spsc(1 << 20).withDirectory(mountPoint);
        final ShmqException ex = assertThrows(ShmqException.class, () -> ShmQueue.create("big", config));
        assertTrue(ex.getMessage().contains("file system is full"), ex.getMessage());
        assertTrue(ex.getMessage().contains("smaller capacity"), ex.getMessage());
        try (Stream<Path> files = Files.list(mountPoint))
        {
            assertEquals(0, files.count(), "no half-made file left");
        }

        // What fits still works.
        try (ShmQueue queue = ShmQueue.create("small", QueueConfig.spsc(64 * 1024).withDirectory(mountPoint)))
        {
            assertEquals(64 * 1024, queue.capacity());
        }
    }

    private static int run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
