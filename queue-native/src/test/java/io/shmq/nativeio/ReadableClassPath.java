package io.shmq.nativeio;

import io.shmq.support.ShmDirectory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A copy of this JVM's class path that any user can read, for a child JVM run as another user (the originals may
 * sit under {@code /root}). Removed on {@link #close()}.
 */
final class ReadableClassPath implements AutoCloseable
{
    private final Path root;
    private final String classPath;

    ReadableClassPath() throws IOException
    {
        root = Files.createTempDirectory("shmq-cp-");
        final List<String> entries = new ArrayList<>();
        int index = 0;
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final Path source = Path.of(entry);
            if (!Files.exists(source))
            {
                continue;
            }
            final Path target = root.resolve(index++ + "-" + source.getFileName());
            if (Files.isDirectory(source))
            {
                try (Stream<Path> files = Files.walk(source))
                {
                    for (final Path file : (Iterable<Path>)files::iterator)
                    {
                        final Path copy = target.resolve(source.relativize(file).toString());
                        if (Files.isDirectory(file))
                        {
                            Files.createDirectories(copy);
                        }
                        else
                        {
                            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
            else
            {
                Files.copy(source, target);
            }
            entries.add(target.toString());
        }
        Files.createDirectories(root.resolve("tmp"));
        try (Stream<Path> files = Files.walk(root))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(
                    Files.isDirectory(file) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.setPosixFilePermissions(root.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        classPath = String.join(File.pathSeparator, entries);
    }

    String classPath()
    {
        return classPath;
    }

    /**
     * A directory every user may write to (JNA unpacks its native library there).
     *
     * @return the directory.
     */
    Path scratch()
    {
        return root.resolve("tmp");
    }

    @Override
    public void close()
    {
        ShmDirectory.deleteRecursively(root);
    }
}
