package io.shmq.bridge;

import io.shmq.QueueName;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a receiving bridge must not forget across its own crash, in a small file beside the queue (tmpfs: it lives
 * exactly as long as the queue does): the end position, in the sender's ring, of the last message committed into
 * the local queue, and the commit in progress, written before it starts, so that a successor can tell whether it
 * happened.
 *
 * <pre>
 *   0                               8               12              16
 *   +-------------------------------+---------------+---------------+
 *   | magic "SHMQBRIN" (long)       | version       | reserved      |
 *   16                              24                              32
 *   | committed end (long)          | pending end (long)            |
 *   32                              40
 *   | pending record position (long)|
 *   +-------------------------------+
 * </pre>
 *
 * A commit runs: pending record position, pending end (release), the ring commit, committed end (release). A
 * pending end above the committed end means the process died inside that sequence: the record at the pending
 * position was committed or not, which the queue's producer can tell.
 */
final class ReceiverState implements AutoCloseable
{
    /** No message committed yet. */
    static final long NONE = -1;

    /** "SHMQBRIN", in the bytes of a little-endian long. */
    private static final long MAGIC = 0x4E49_5242_514D_4853L;
    private static final int VERSION = 1;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 8;
    private static final int COMMITTED_OFFSET = 16;
    private static final int PENDING_END_OFFSET = 24;
    private static final int PENDING_POSITION_OFFSET = 32;
    private static final int LENGTH = 64;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer words;

    private ReceiverState(final Path file, final MappedByteBuffer mapped)
    {
        this.file = file;
        this.mapped = mapped;
        this.words = new UnsafeBuffer(mapped);
    }

    /** Prefix of a state file's name, before the queue's name: not {@code shmq-}, so no tool takes it for a queue. */
    static final String FILE_PREFIX = ".shmq-bridge-in-";

    /**
     * The state file of the receiving bridge of queue {@code name} in {@code directory}.
     *
     * @param directory the queue's directory.
     * @param name      the queue's name.
     * @return its path.
     */
    static Path path(final Path directory, final String name)
    {
        return directory.resolve(FILE_PREFIX + QueueName.validate(name));
    }

    /**
     * Maps the state file, creating it (nothing committed yet) when there is none.
     *
     * @param file the state file.
     * @return the state.
     * @throws BridgeException when the file is not a receiver state of this version.
     */
    static ReceiverState open(final Path file)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final boolean fresh = channel.size() == 0;
            if (!fresh && channel.size() != LENGTH)
            {
                throw new BridgeException(file + " is " + channel.size() + " bytes, not a bridge receiver's state (" +
                    LENGTH + "): remove it only if no bridge ever wrote into this queue");
            }
            final ReceiverState state = new ReceiverState(file, channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH));
            if (fresh)
            {
                state.words.putLong(COMMITTED_OFFSET, NONE);
                state.words.putLong(PENDING_END_OFFSET, NONE);
                state.words.putLong(PENDING_POSITION_OFFSET, NONE);
                state.words.putInt(VERSION_OFFSET, VERSION);
                state.words.putLongVolatile(MAGIC_OFFSET, MAGIC);
            }
            else if (state.words.getLongVolatile(MAGIC_OFFSET) != MAGIC ||
                state.words.getInt(VERSION_OFFSET) != VERSION)
            {
                state.close();
                throw new BridgeException(file + " is not a bridge receiver's state of version " + VERSION +
                    ": remove it only if no bridge ever wrote into this queue");
            }
            return state;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot map the bridge state " + file, ex);
        }
    }

    /** @return the end position of the last message committed, or {@link #NONE}. */
    long committed()
    {
        return words.getLongVolatile(COMMITTED_OFFSET);
    }

    /** @return the end position of the message whose commit started last, or {@link #NONE}. */
    long pendingEnd()
    {
        return words.getLongVolatile(PENDING_END_OFFSET);
    }

    /** @return where in the local ring that message's record starts. */
    long pendingPosition()
    {
        return words.getLongVolatile(PENDING_POSITION_OFFSET);
    }

    /**
     * Notes a commit about to happen.
     *
     * @param end      the message's end position in the sender's ring.
     * @param position its record's position in the local ring.
     */
    void begin(final long end, final long position)
    {
        words.putLongRelease(PENDING_POSITION_OFFSET, position);
        words.putLongRelease(PENDING_END_OFFSET, end);
    }

    /**
     * Notes a commit done (or, at start-up, found done).
     *
     * @param end the message's end position in the sender's ring.
     */
    void committed(final long end)
    {
        words.putLongRelease(COMMITTED_OFFSET, end);
    }

    /** @return the state file. */
    Path file()
    {
        return file;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
