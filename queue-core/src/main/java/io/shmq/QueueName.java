package io.shmq;

import java.nio.file.Path;

/**
 * Queue names and where they live: queue {@code NAME} is the file {@code DIRECTORY/shmq-NAME}, by default
 * {@code /dev/shm/shmq-NAME}. A name is 1 to {@link #MAX_LENGTH} characters of {@code [A-Za-z0-9._-]}, does not
 * start with a dot, and is neither {@code .} nor {@code ..}, so it can never escape its directory.
 */
public final class QueueName
{
    /** Prefix of every queue file, so that tools find shmq's files among others in {@code /dev/shm}. */
    public static final String FILE_PREFIX = "shmq-";

    /** Longest queue name: the file name stays well below the 255-byte limit of Linux file systems. */
    public static final int MAX_LENGTH = 200;

    private QueueName()
    {
    }

    /**
     * Checks a queue name, throwing a message that says what is wrong with it.
     *
     * @param name the queue name.
     * @return the name, for chaining.
     * @throws IllegalArgumentException when the name is not valid.
     */
    public static String validate(final String name)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("queue name must not be empty");
        }
        if (name.length() > MAX_LENGTH)
        {
            throw new IllegalArgumentException("queue name is " + name.length() + " characters, at most " +
                MAX_LENGTH + " allowed: " + name.substring(0, 40) + "...");
        }
        if (name.startsWith("."))
        {
            throw new IllegalArgumentException("queue name must not start with '.' (no '.', '..' or hidden " +
                "names): '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
            if (!allowed)
            {
                throw new IllegalArgumentException("queue name may hold only letters, digits, '.', '_' and '-' " +
                    "(no '/'): '" + name + "' has '" + c + "' at index " + i);
            }
        }
        return name;
    }

    /**
     * The 64-bit FNV-1a hash of a queue name's UTF-8 bytes (ASCII, since names are validated), never 0. Recorded in
     * the queue header so that a region found under a name can be checked to be that name's queue.
     *
     * @param name a valid queue name.
     * @return the hash.
     */
    public static long hash(final String name)
    {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++)
        {
            hash ^= name.charAt(i) & 0xFF;
            hash *= 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    /**
     * The file of queue {@code name} in {@code directory}.
     *
     * @param directory the queue directory.
     * @param name      a valid queue name.
     * @return {@code directory/shmq-name}.
     */
    public static Path path(final Path directory, final String name)
    {
        return directory.resolve(FILE_PREFIX + validate(name));
    }
}
