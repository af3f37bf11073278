package io.shmq.region;

import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.ShmQueue;
import io.shmq.errors.QueueExistsException;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.ring.RingProducer;
import io.shmq.support.ChildJvm;
import io.shmq.support.HoldRoleProcess;
import io.shmq.support.ProducerProcess;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Owner-only files, no replacing or following what is already there, and one consumer (and one SPSC producer)
 * at a time across processes, with takeover from a dead owner.
 */
class SecurityDefaultsTest
{
    private static final String NAME = "secure";

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private QueueConfig config()
    {
        return QueueConfig.spsc(1024).withDirectory(shm.path());
    }

    private List<String> directoryListing() throws IOException
    {
        try (Stream<Path> files = Files.list(shm.path()))
        {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void createdFileIsOwnerOnlyAndNoTemporaryFileRemains() throws IOException
    {
        ShmQueue.create(NAME, config()).close();
        final Path file = QueueName.path(shm.path(), NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("shmq-" + NAME), directoryListing());
        assertEquals(QueueHeaderDescriptor.HEADER_LENGTH + 1024, Files.size(file));
    }

    @Test
    void groupAccessIsAnExplicitOptionAndSurvivesTheUmask() throws IOException
    {
        ShmQueue.create(NAME, config().withPermissions(QueueConfig.OWNER_AND_GROUP)).close();
        assertEquals("rw-rw----",
            PosixFilePermissions.toString(Files.getPosixFilePermissions(QueueName.path(shm.path(), NAME))));
    }

    @Test
    void executePermissionIsRefused()
    {
        assertThrows(IllegalArgumentException.class,
            () -> config().withPermissions(PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void creatingOverAnExistingFileFailsAndLeavesItUntouched() throws IOException
    {
        final Path file = QueueName.path(shm.path(), NAME);
        final byte[] content = "not a queue".getBytes();
        Files.write(file, content);
        final QueueExistsException ex = assertThrows(QueueExistsException.class,
            () -> ShmQueue.create(NAME, config()));
        assertTrue(ex.getMessage().contains("never replaces"), ex.getMessage());
        assertArrayEquals(content, Files.readAllBytes(file));
        assertEquals(List.of("shmq-" + NAME), directoryListing(), "no temporary file left behind");
    }

    @Test
    void creatingOverAnExistingQueueFails()
    {
        ShmQueue.create(NAME, config()).close();
        assertThrows(QueueExistsException.class, () -> ShmQueue.create(NAME, config()));
    }

    @Test
    void creatingOverASymbolicLinkFailsAndDoesNotTouchItsTarget() throws IOException
    {
        final Path target = shm.path().resolve("target");
        Files.write(target, new byte[]{ 1, 2, 3 });
        Files.createSymbolicLink(QueueName.path(shm.path(), NAME), target);
        assertThrows(QueueExistsException.class, () -> ShmQueue.create(NAME, config()));
        assertArrayEquals(new byte[]{ 1, 2, 3 }, Files.readAllBytes(target));

        final Path dangling = QueueName.path(shm.path(), "dangling");
        Files.createSymbolicLink(dangling, shm.path().resolve("nowhere"));
        assertThrows(QueueExistsException.class, () -> ShmQueue.create("dangling", config()));
        assertFalse(Files.exists(shm.path().resolve("nowhere")), "the link's target was not created");
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
