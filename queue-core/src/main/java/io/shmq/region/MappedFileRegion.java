package io.shmq.region;

import io.shmq.errors.InvalidQueueException;
import io.shmq.errors.QueueNotFoundException;
import io.shmq.errors.QueueExistsException;
import io.shmq.errors.ShmqException;
import io.shmq.layout.QueueHeaderValidator;
import io.shmq.platform.JvmRequirements;
import io.shmq.process.ProcessIdentity;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * A region backed by a file mapped with {@link FileChannel#map}, normally on tmpfs ({@code /dev/shm}).
 *
 * <p>Creation is exclusive and atomic as seen from other processes: the file is made under a hidden temporary name
 * with {@code O_CREAT|O_EXCL|O_NOFOLLOW} and its permissions, every page is written once (so a full tmpfs fails
 * here rather than raising {@code SIGBUS} on a later first touch), the caller's initializer fills it, and only then
 * is it hard-linked to its final name, which fails if anything (even a dangling symbolic link) is there.
 */
public final class MappedFileRegion extends AbstractRegion
{
    private static final int RESERVE_CHUNK = 1 << 20;
    private static final Set<PosixFilePermission> EXECUTE = EnumSet.of(
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path path;
    private final MappedByteBuffer mapping;
    /** The mapped file's identity (device and inode), to tell it from another file later put at its path. */
    private final Object fileKey;

    private MappedFileRegion(final Path path, final MappedByteBuffer mapping, final Object fileKey)
    {
        super(new UnsafeBuffer(mapping), "file " + path);
        this.path = path;
        this.mapping = mapping;
        this.fileKey = fileKey;
    }

    private static Object fileKeyOf(final Path path) throws IOException
    {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
            .fileKey();
    }

    /**
     * {@inheritDoc}
     */
    public void checkIntact()
    {
        try
        {
            final BasicFileAttributes attributes = Files.readAttributes(path,
                BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attributes.fileKey() != null && !attributes.fileKey().equals(fileKey))
            {
                // Our memory is intact, but whoever opens the queue now gets the other file: we would wait or
                // write where nobody looks.
                throw new ShmqException(path + " was replaced by another file while this process had it mapped " +
                    "(the queue was deleted and created again): this process still uses the old queue, which new " +
                    "processes cannot see; close it and open the queue again");
            }
            if (attributes.size() < length())
            {
                throw new ShmqException(path + " was truncated to " + attributes.size() + " bytes while mapped (" +
                    length() + " bytes): the queue's memory is gone; close it, and recreate the queue " +
                    "(whoever truncated it broke it for every process using it)");
            }
        }
        catch (final NoSuchFileException removed)
        {
            // Removed while mapped (ShmQueue.delete): the memory stays ours until we unmap, as documented.
        }
        catch (final IOException ex)
        {
            throw new ShmqException("cannot check " + path + ": " + ex, ex);
        }
    }

    /**
     * Creates the file {@code path} of {@code length} bytes, reserves its pages, initialises it, then makes it
     * visible under its name.
     *
     * @param path        where the file will be; its directory must exist.
     * @param length      size of the file in bytes.
     * @param permissions the file's mode, set at creation (execute bits are refused).
     * @param initializer fills the region before it becomes visible.
     * @return the mapped region.
     * @throws QueueExistsException when anything already exists at {@code path}.
     * @throws ShmqException        when the directory is missing or the file system is full.
     */
    public static MappedFileRegion create(
        final Path path,
        final int length,
        final Set<PosixFilePermission> permissions,
        final RegionInitializer initializer)
    {
        JvmRequirements.requireAgronaAccess();
        validatePermissions(permissions);
        if (length <= 0)
        {
            throw new IllegalArgumentException("region length must be positive: " + length);
        }
        final Path directory = path.toAbsolutePath().getParent();
        if (directory == null || !Files.isDirectory(directory))
        {
            throw new ShmqException("cannot create " + path + ": directory " + directory +
                " does not exist; create it or choose another queue directory");
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw exists(path, null);
        }

        final Path temp = directory.resolve(".shmq-tmp-" + path.getFileName() + "-" +
            ProcessIdentity.current().pid() + "-" + Long.toHexString(System.nanoTime()));
        MappedByteBuffer mapping = null;
        try
        {
            try (FileChannel channel = FileChannel.open(temp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(permissions)))
            {
                // The mode passed to open(2) is masked by the umask: widen only to what the caller asked for.
                if (!Files.getPosixFilePermissions(temp, LinkOption.NOFOLLOW_LINKS).equals(permissions))
                {
                    Files.setPosixFilePermissions(temp, permissions);
                }
                reservePages(channel, temp, length);
                mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
                mapping.load();
            }

            // The temporary file becomes the queue's file by link(2): same inode, same key.
            final MappedFileRegion region = new MappedFileRegion(path, mapping, fileKeyOf(temp));
            initializer.initialize(region.buffer());
            try
            {
                Files.createLink(path, temp);
            }
            catch (final FileAlreadyExistsException ex)
            {
                region.close();
                mapping = null;
                throw exists(path, ex);
            }
            Files.deleteIfExists(temp);
            return region;
        }
        catch (final IOException ex)
        {
            if (mapping != null)
            {
                IoUtil.unmap(mapping);
            }
            throw new ShmqException("cannot create queue file " + path + ": " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            if (mapping != null)
            {
                IoUtil.unmap(mapping);
            }
            throw ex;
        }
        finally
        {
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (final IOException ignore)
            {
                // A temporary file left behind is named .shmq-tmp-* and holds no queue anyone can open.
            }
        }
    }

    /**
     * Maps an existing queue file after checking it is a regular file (not a link), owned by this user unless
     * {@code allowForeignOwner}, and at least {@code minLength} bytes long.
     *
     * @param path              the file.
     * @param minLength         the smallest acceptable size, typically the queue header's length.
     * @param allowForeignOwner accept a file owned by another user (its mode must still let us read and write).
     * @return the mapped region.
     * @throws InvalidQueueException when the file is missing, a link, not regular, foreign or too short.
     */
    public static MappedFileRegion open(final Path path, final int minLength, final boolean allowForeignOwner)
    {
        JvmRequirements.requireAgronaAccess();
        final PosixFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            throw new QueueNotFoundException("no queue file at " + path + ": create the queue first, or check the " +
                "queue name and directory", ex);
        }
        catch (final IOException ex)
        {
            throw new InvalidQueueException("cannot read the attributes of " + path + ": " + ex, ex);
        }

        if (attributes.isSymbolicLink())
        {
            throw new InvalidQueueException(path + " is a symbolic link; shmq never follows links to queue files: " +
                "remove the link and open the queue by its real name");
        }
        if (!attributes.isRegularFile())
        {
            throw new InvalidQueueException(path + " is not a regular file (found a " +
                (attributes.isDirectory() ? "directory" : "special file") + "); a queue is a regular file");
        }
        if (!allowForeignOwner)
        {
            final int fileUid = uidOf(path);
            final int myUid = ProcessIdentity.effectiveUid();
            if (fileUid != myUid)
            {
                throw new InvalidQueueException(path + " is owned by uid " + fileUid + ", expected uid " + myUid +
                    " (this process): open it with allowForeignOwner(true) if sharing across users is intended");
            }
        }
        final long size = attributes.size();
        QueueHeaderValidator.checkRegionLength(size, minLength, path.toString());
        if (size > Integer.MAX_VALUE)
        {
            throw new InvalidQueueException(path + " is " + size + " bytes, larger than a mapping can be (2 GiB)");
        }

        try (FileChannel channel = FileChannel.open(
            path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))
        {
            // Between the check and the open the file may have been replaced: size it again from the open file.
            final long openedSize = channel.size();
            if (openedSize < minLength || openedSize > Integer.MAX_VALUE)
            {
                throw new InvalidQueueException(path + " changed size while being opened: " + openedSize + " bytes");
            }
            final Object fileKey = fileKeyOf(path);
            final MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, openedSize);
            // Fault every page into this process's page tables now: a first touch later costs microseconds in
            // the middle of a send or a read.
            mapping.load();
            return new MappedFileRegion(path, mapping, fileKey);
        }
        catch (final IOException ex)
        {
            throw new InvalidQueueException("cannot open and map " + path + ": " + ex, ex);
        }
    }

    /**
     * The file's path.
     *
     * @return the path the region was created at or opened from.
     */
    public Path path()
    {
        return path;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Path file()
    {
        return path;
    }

    /**
     * Unmaps the file now, not at garbage collection.
     */
    protected void release()
    {
        IoUtil.unmap(mapping);
    }

    private static void reservePages(final FileChannel channel, final Path path, final int length) throws IOException
    {
        final ByteBuffer zeros = ByteBuffer.allocateDirect(Math.min(RESERVE_CHUNK, length));
        long position = 0;
        try
        {
            while (position < length)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), length - position));
                position += channel.write(zeros, position);
            }
        }
        catch (final IOException ex)
        {
            final String message = String.valueOf(ex.getMessage());
            if (message.contains("No space left"))
            {
                long free = -1;
                try
                {
                    free = Files.getFileStore(path.getParent()).getUsableSpace();
                }
                catch (final IOException ignore)
                {
                    // Only used to enrich the message.
                }
                throw new ShmqException("cannot reserve " + length + " bytes for " + path + ": the file system is " +
                    "full (" + (free < 0 ? "unknown" : free + " bytes") + " free). Free space there, enlarge the " +
                    "tmpfs (e.g. mount -o remount,size=4G /dev/shm), or create the queue with a smaller capacity", ex);
            }
            throw ex;
        }
        finally
        {
            IoUtil.unmap(zeros);
        }
    }

    private static int uidOf(final Path path)
    {
        try
        {
            return (Integer)Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new InvalidQueueException("cannot read the owner of " + path + ": " + ex, ex);
        }
    }

    private static void validatePermissions(final Set<PosixFilePermission> permissions)
    {
        if (!permissions.contains(PosixFilePermission.OWNER_READ) ||
            !permissions.contains(PosixFilePermission.OWNER_WRITE))
        {
            throw new IllegalArgumentException("queue file permissions must include owner read and write: " +
                PosixFilePermissions.toString(permissions));
        }
        for (final PosixFilePermission permission : permissions)
        {
            if (EXECUTE.contains(permission))
            {
                throw new IllegalArgumentException("queue file permissions must not include execute: " +
                    PosixFilePermissions.toString(permissions));
            }
        }
    }

    private static QueueExistsException exists(final Path path, final Throwable cause)
    {
        return new QueueExistsException("cannot create " + path + ": something already exists there (a queue, " +
            "another file or a link); creation never replaces it. Open the queue instead, or delete it if it is " +
            "stale", cause);
    }
}
