package io.shmq.netty;

import io.shmq.QueueConfig;
import io.shmq.QueueName;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The address of a shmq server channel: a name in a directory of shared memory on this host ({@code /dev/shm}
 * unless given), as a Unix socket's path is. A server bound to {@code new ShmqAddress("quotes")} takes connections
 * through the queue {@code quotes.accept} ({@code /dev/shm/shmq-quotes.accept}); each connection gets its own pair
 * of rings, {@code quotes.c<id>.c2s} and {@code .s2c}, in the same directory.
 */
public final class ShmqAddress extends SocketAddress
{
    private static final long serialVersionUID = 1L;

    /** Suffix of the queue a server takes connection requests from. */
    static final String ACCEPT_SUFFIX = ".accept";
    /** Room the name needs for its suffixes: ".c" + 16 hex digits + ".c2s". */
    private static final int SUFFIX_ROOM = 2 + 16 + 4;

    /** The name, valid as a queue name. */
    private final String name;
    /** The directory, as a string: a {@link Path} is not serializable. */
    private final String directory;

    /**
     * An address by name, in {@code /dev/shm}.
     *
     * @param name letters, digits, '.', '_' and '-', at most {@link QueueName#MAX_LENGTH} - 22 characters.
     * @throws IllegalArgumentException when the name is not valid, with what is wrong with it.
     */
    public ShmqAddress(final String name)
    {
        this(QueueConfig.DEFAULT_DIRECTORY, name);
    }

    /**
     * An address by name in a directory of shared memory (a tmpfs both processes see, e.g. a volume two
     * containers share).
     *
     * @param directory where the address's queues live.
     * @param name      letters, digits, '.', '_' and '-', at most {@link QueueName#MAX_LENGTH} - 22 characters.
     * @throws IllegalArgumentException when the name is not valid, with what is wrong with it.
     */
    public ShmqAddress(final Path directory, final String name)
    {
        this.directory = Objects.requireNonNull(directory, "directory").toString();
        QueueName.validate(name);
        if (name.length() > QueueName.MAX_LENGTH - SUFFIX_ROOM)
        {
            throw new IllegalArgumentException("shmq address '" + name + "' is " + name.length() +
                " characters; at most " + (QueueName.MAX_LENGTH - SUFFIX_ROOM) + " leave room for its rings' names");
        }
        this.name = name;
    }

    /**
     * The name.
     *
     * @return the name given at construction.
     */
    public String name()
    {
        return name;
    }

    /**
     * The directory of the address's queues.
     *
     * @return the directory.
     */
    public Path directory()
    {
        return Path.of(directory);
    }

    ShmqAddress connectionAddress(final long connectionId)
    {
        return new ShmqAddress(directory(), connectionName(connectionId));
    }

    String acceptQueueName()
    {
        return name + ACCEPT_SUFFIX;
    }

    String connectionName(final long connectionId)
    {
        return name + ".c" + String.format("%016x", connectionId);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object other)
    {
        return other instanceof ShmqAddress && ((ShmqAddress)other).name.equals(name) &&
            ((ShmqAddress)other).directory.equals(directory);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        return name.hashCode() * 31 + directory.hashCode();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return QueueConfig.DEFAULT_DIRECTORY.toString().equals(directory) ? "shmq:" + name :
            "shmq:" + directory + "/" + name;
    }
}
