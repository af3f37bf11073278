package io.shmq.inspect;

import io.shmq.QueueName;
import io.shmq.layout.QueueHeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Queue files seen from outside, for tools: which exist in a directory, what their headers say, which processes
 * map them, which are stale. Headers are read with plain file reads (nothing is mapped, nothing written) except by
 * {@link #remove}.
 */
public final class QueueFiles
{
    private QueueFiles()
    {
    }

    /**
     * The queue files of a directory: regular {@code shmq-NAME} files (not links, not half-made temporaries).
     *
     * @param directory e.g. {@code /dev/shm}.
     * @return their paths, sorted.
     */
    public static List<Path> list(final Path directory)
    {
        final List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, QueueName.FILE_PREFIX + "*"))
        {
            for (final Path entry : entries)
            {
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS))
                {
                    files.add(entry);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + directory, ex);
        }
        files.sort(null);
        return files;
    }

    /**
     * Reads a queue file's header.
     *
     * @param file the queue file.
     * @return its snapshot (not valid when the file is too short or not a queue).
     */
    public static QueueSnapshot snapshot(final Path file)
    {
        final String name = file.getFileName().toString().substring(QueueName.FILE_PREFIX.length());
        final ByteBuffer bytes = ByteBuffer.allocate(QueueHeaderDescriptor.HEADER_LENGTH);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            while (bytes.hasRemaining() && channel.read(bytes) > 0)
            {
                // read the whole header
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
        return QueueSnapshot.read(name, file.toString(), file, new UnsafeBuffer(bytes.array()),
            processesMapping(file));
    }

    /**
     * How many processes have the file mapped, from {@code /proc/PID/maps} (by inode). Processes of other users
     * are seen only by root.
     *
     * @param file a queue file.
     * @return the number of processes, or -1 when it cannot be told.
     */
    public static int processesMapping(final Path file)
    {
        final String inode;
        try
        {
            inode = String.valueOf(Files.getAttribute(file, "unix:ino"));
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return -1;
        }
        // The creator maps the file under its temporary name (linked to the queue's name afterwards, then
        // unlinked): match by inode within the queue's directory, not by name.
        final String directory = file.toAbsolutePath().getParent().toString() + "/";
        int count = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc")))
        {
            for (final Path process : (Iterable<Path>)processes::iterator)
            {
                if (!process.getFileName().toString().chars().allMatch(Character::isDigit) ||
                    !Files.isReadable(process.resolve("maps")))
                {
                    continue;
                }
                try (Stream<String> lines = Files.lines(process.resolve("maps")))
                {
                    if (lines.anyMatch(line -> mapsInode(line, inode, directory)))
                    {
                        count++;
                    }
                }
                catch (final IOException | UncheckedIOException ignore)
                {
                    // The process ended meanwhile.
                }
            }
        }
        catch (final IOException ex)
        {
            return -1;
        }
        return count;
    }

    /**
     * Whether a {@code /proc/PID/maps} line ({@code address perms offset dev inode path}) maps inode {@code inode}
     * from {@code directory}.
     */
    private static boolean mapsInode(final String line, final String inode, final String directory)
    {
        final String[] fields = line.trim().split("\\s+", 6);
        return fields.length == 6 && fields[4].equals(inode) && fields[5].startsWith(directory);
    }

    /**
     * The stale queues of a directory: valid queue files with no live owner that no process maps.
     *
     * @param directory e.g. {@code /dev/shm}.
     * @return their snapshots.
     */
    public static List<QueueSnapshot> findStale(final Path directory)
    {
        final List<QueueSnapshot> stale = new ArrayList<>();
        for (final Path file : list(directory))
        {
            final QueueSnapshot snapshot = snapshot(file);
            if (snapshot.isStale())
            {
                stale.add(snapshot);
            }
        }
        return stale;
    }

    /**
     * Removes a queue file (processes that map it keep their mapping until they close).
     *
     * @param file the queue file.
     * @return true when it was removed.
     */
    public static boolean remove(final Path file)
    {
        try
        {
            return Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot remove " + file, ex);
        }
    }
}
