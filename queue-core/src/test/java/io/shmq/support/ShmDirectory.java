package io.shmq.support;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh directory in {@code /dev/shm} for each test, removed with everything in it after the test, passed or
 * failed, so no test leaves queue files behind.
 */
public final class ShmDirectory implements BeforeEachCallback, AfterEachCallback
{
    private Path directory;

    /**
     * The current test's directory.
     *
     * @return a directory under {@code /dev/shm}.
     */
    public Path path()
    {
        return directory;
    }

    @Override
    public void beforeEach(final ExtensionContext context) throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "shmq-test-");
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        deleteRecursively(directory);
    }

    /**
     * Removes a file tree without following links.
     *
     * @param root the tree to remove; nothing happens if it is missing.
     */
    public static void deleteRecursively(final Path root)
    {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.deleteIfExists(path);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
