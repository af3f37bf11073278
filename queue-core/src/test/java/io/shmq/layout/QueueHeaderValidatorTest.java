package io.shmq.layout;

import io.shmq.process.ProcessIdentity;
import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.ShmQueue;
import io.shmq.errors.InvalidQueueException;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every check made when opening a queue fails with a message naming the field, the expected and the found value.
 */
class QueueHeaderValidatorTest
{
    private static final String NAME = "checked";

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private QueueConfig spsc()
    {
        return QueueConfig.spsc(1024).withDirectory(shm.path()).withReadyTimeout(Duration.ofMillis(200));
    }

    private Path createQueue()
    {
        ShmQueue.create(NAME, spsc()).close();
        return QueueName.path(shm.path(), NAME);
    }

    private static void patchInt(final Path file, final int offset, final int value) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }

    private static void patchLong(final Path file, final int offset, final long value) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }

    private String openFails(final QueueConfig config)
    {
        return assertThrows(InvalidQueueException.class, () -> ShmQueue.open(NAME, config)).getMessage();
    }

    private static void assertMentions(final String message, final String... parts)
    {
        for (final String part : parts)
        {
            assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
        }
    }

    @Test
    void matchingQueueOpens()
    {
        createQueue();
        try (ShmQueue queue = ShmQueue.open(NAME, spsc()))
        {
            assertEquals(RingKind.SPSC, queue.kind());
            assertEquals(1024, queue.capacity());
            assertEquals(QueueHeaderDescriptor.MAGIC, queue.header().magic());
            assertEquals(ProcessHandle.current().pid(), queue.header().creatorPid());
        }
    }

    @Test
    void wrongMagic() throws IOException
    {
        patchLong(createQueue(), QueueHeaderDescriptor.MAGIC_OFFSET, 0x1234L);
        assertMentions(openFails(spsc()), "'magic'", "expected 0x474e4952514d4853", "found 0x1234", NAME);
    }

    @Test
    void wrongLayoutVersion() throws IOException
    {
        patchInt(createQueue(), QueueHeaderDescriptor.LAYOUT_VERSION_OFFSET, 99);
        assertMentions(openFails(spsc()), "'layout version'", "expected " + QueueHeaderDescriptor.LAYOUT_VERSION,
            "found 99");
    }

    @Test
    void wrongRingKind()
    {
        createQueue();
        assertMentions(openFails(QueueConfig.mpsc(1024).withDirectory(shm.path())),
            "'ring kind'", "expected MPSC", "found SPSC");
    }

    @Test
    void unknownRingKind() throws IOException
    {
        patchInt(createQueue(), QueueHeaderDescriptor.RING_KIND_OFFSET, 7);
        assertMentions(openFails(spsc()), "'ring kind'", "expected SPSC", "found unknown code 7");
    }

    @Test
    void capacityNotAPowerOfTwo() throws IOException
    {
        patchInt(createQueue(), QueueHeaderDescriptor.CAPACITY_OFFSET, 3000);
        assertMentions(openFails(spsc()), "'capacity'", "expected 1024", "found 3000", "power of two");
    }

    @Test
    void otherCapacity()
    {
        createQueue();
        assertMentions(openFails(QueueConfig.spsc(2048).withDirectory(shm.path())),
            "'capacity'", "expected 2048", "found 1024");
    }

    @Test
    void otherMaxMessageLength()
    {
        createQueue();
        assertMentions(openFails(spsc().withMaxMessageLength(64)), "'max message length'", "expected 64",
            "found 120");
    }

    @Test
    void otherRecordAlignment()
    {
        createQueue();
        assertMentions(openFails(spsc().withRecordAlignment(8)), "'record alignment'", "expected 8",
            "found " + QueueConfig.DEFAULT_ALIGNMENT);
    }

    @Test
    void fileShorterThanTheHeader() throws IOException
    {
        Files.write(QueueName.path(shm.path(), NAME), new byte[100]);
        assertMentions(openFails(spsc()), "100 bytes", "shorter than the 4096-byte queue header");
    }

    @Test
    void fileShorterThanHeaderPlusCapacity() throws IOException
    {
        final Path file = createQueue();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(QueueHeaderDescriptor.HEADER_LENGTH + 512);
        }
        assertMentions(openFails(spsc()), "'region length'", "expected 5120", "found 4608", "truncated");
    }

    @Test
    void fileNotRegular() throws IOException
    {
        Files.createDirectory(QueueName.path(shm.path(), NAME));
        assertMentions(openFails(spsc()), "not a regular file", "directory");
    }

    @Test
    void symbolicLinkIsNotFollowed() throws IOException
    {
        ShmQueue.create("real", spsc()).close();
        Files.createSymbolicLink(QueueName.path(shm.path(), NAME), QueueName.path(shm.path(), "real"));
        assertMentions(openFails(spsc()), "symbolic link", "never follows links");
    }

    @Test
    void missingFile()
    {
        assertMentions(openFails(spsc()), "no queue file", "shmq-" + NAME);
    }

    @Test
    void neverReadyQueueTimesOut() throws IOException
    {
        Files.write(QueueName.path(shm.path(), NAME), new byte[QueueHeaderDescriptor.HEADER_LENGTH + 1024]);
        final long start = System.nanoTime();
        assertMentions(openFails(spsc()), "'ready'", "expected 1", "found 0", "never initialised");
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "waited the ready timeout");
    }

    @Test
    void garbageIsRefusedAtOnceWithoutWaiting() throws IOException
    {
        final byte[] garbage = new byte[QueueHeaderDescriptor.HEADER_LENGTH + 1024];
        new Random(7).nextBytes(garbage);
        Files.write(QueueName.path(shm.path(), NAME), garbage);
        final long start = System.nanoTime();
        assertMentions(openFails(spsc().withReadyTimeout(Duration.ofSeconds(30))), "'magic'", "not a shmq queue");
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void fileOfAnotherUserIsRefusedUnlessAllowed() throws IOException
    {
        assumeTrue(ProcessIdentity.effectiveUid() == 0, "needs root to chown the file");
        final Path file = createQueue();
        Files.setAttribute(file, "unix:uid", 65534);
        assertMentions(openFails(spsc()), "owned by uid 65534", "allowForeignOwner");
        try (ShmQueue queue = ShmQueue.open(NAME, spsc().withAllowForeignOwner(true)))
        {
            assertEquals(1024, queue.capacity());
        }
    }
}
