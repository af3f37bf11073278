package io.shmq.region;

import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.ShmQueue;
import io.shmq.errors.QueueExistsException;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Owner-only files, and no replacing or following what is already there.
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
}
