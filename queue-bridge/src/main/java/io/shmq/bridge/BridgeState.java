package io.shmq.bridge;

import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.ShmQueue;
import io.shmq.layout.BridgeStateDescriptor;
import io.shmq.process.ProcessIdentity;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.shmq.layout.BridgeStateDescriptor.END_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.INCARNATION_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.LENGTH;
import static io.shmq.layout.BridgeStateDescriptor.MAGIC_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.MESSAGES_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.NONE;
import static io.shmq.layout.BridgeStateDescriptor.OWNER_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.REJECTED_FRAMES_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.SECOND_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.THIRD_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.UPDATED_MILLIS_OFFSET;
import static io.shmq.layout.BridgeStateDescriptor.VERSION;
import static io.shmq.layout.BridgeStateDescriptor.VERSION_OFFSET;

/**
 * A bridge half's state file beside its queue ({@link BridgeStateDescriptor}): for the receiver, what it must not
 * forget across its own crash (the end, in the sender's ring, of the last message committed here, and the commit in
 * progress); for the sender, where it stands, for the tools. tmpfs: it lives as long as the queue does.
 */
final class BridgeState implements AutoCloseable
{
    private final Path file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer words;

    private BridgeState(final Path file, final MappedByteBuffer mapped)
    {
        this.file = file;
        this.mapped = mapped;
        this.words = new UnsafeBuffer(mapped);
    }

    /**
     * The state file of one half of the bridge of queue {@code name} in {@code directory}.
     *
     * @param directory the queue's directory.
     * @param name      the queue's name.
     * @param receiver  true for the receiving half.
     * @return its path.
     */
    static Path path(final Path directory, final String name, final boolean receiver)
    {
        return directory.resolve((receiver ? BridgeStateDescriptor.RECEIVER_PREFIX :
            BridgeStateDescriptor.SENDER_PREFIX) + QueueName.validate(name));
    }

    /**
     * Maps the state file of one half of {@code queue}'s bridge, beside the queue's file (in {@code /dev/shm} for
     * a SysV segment).
     *
     * @param queue    the bridged queue.
     * @param receiver true for the receiving half's.
     * @return the state.
     * @throws BridgeException when the file is not a bridge state of that half and of this version.
     */
    static BridgeState open(final ShmQueue queue, final boolean receiver)
    {
        final Path queueFile = queue.region().file();
        return open(path(queueFile == null ? QueueConfig.DEFAULT_DIRECTORY : queueFile.toAbsolutePath().getParent(),
            queue.name(), receiver), receiver);
    }

    /**
     * Maps a state file, creating it (nothing known yet) when there is none, and marks it as this process's.
     *
     * @param file     the state file.
     * @param receiver true for the receiving half's.
     * @return the state.
     * @throws BridgeException when the file is not a bridge state of that half and of this version.
     */
    static BridgeState open(final Path file, final boolean receiver)
    {
        final long magic = receiver ? BridgeStateDescriptor.RECEIVER_MAGIC : BridgeStateDescriptor.SENDER_MAGIC;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final boolean fresh = channel.size() == 0;
            if (!fresh && channel.size() != LENGTH)
            {
                throw new BridgeException(file + " is " + channel.size() + " bytes, not a bridge state (" + LENGTH +
                    "): remove it only if no bridge ever wrote into this queue");
            }
            final BridgeState state = new BridgeState(file, channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH));
            if (fresh)
            {
                state.words.putLong(END_OFFSET, NONE);
                state.words.putLong(SECOND_OFFSET, NONE);
                state.words.putLong(THIRD_OFFSET, NONE);
                state.words.putInt(VERSION_OFFSET, VERSION);
                state.words.putLongVolatile(MAGIC_OFFSET, magic);
            }
            else if (state.words.getLongVolatile(MAGIC_OFFSET) != magic || state.words.getInt(VERSION_OFFSET) != VERSION)
            {
                state.close();
                throw new BridgeException(file + " is not a bridge " + (receiver ? "receiver" : "sender") +
                    " state of version " + VERSION + ": remove it only if no bridge ever wrote into this queue");
            }
            state.words.putLongVolatile(OWNER_OFFSET, ProcessIdentity.current().token());
            state.words.putLongVolatile(MESSAGES_OFFSET, 0);
            state.words.putLongVolatile(REJECTED_FRAMES_OFFSET, 0);
            state.touch();
            return state;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot map the bridge state " + file, ex);
        }
    }

    /**
     * The committed (receiver) or acknowledged (sender) end, or {@link BridgeStateDescriptor#NONE}.
     *
     * @return the committed (receiver) or acknowledged (sender) end, or {@link BridgeStateDescriptor#NONE}.
     */
    long end()
    {
        return words.getLongVolatile(END_OFFSET);
    }

    /**
     * The sending queue's incarnation this state belongs to.
     *
     * @return it, or 0 when not known yet.
     */
    long incarnation()
    {
        return words.getLongVolatile(INCARNATION_OFFSET);
    }

    /**
     * Notes the sending queue's incarnation.
     *
     * @param incarnation see {@link QueueShape#incarnation()}.
     */
    void incarnation(final long incarnation)
    {
        words.putLongRelease(INCARNATION_OFFSET, incarnation);
    }

    /**
     * The pending end (receiver) or the released position (sender).
     *
     * @return the pending end (receiver) or the released position (sender).
     */
    long second()
    {
        return words.getLongVolatile(SECOND_OFFSET);
    }

    /**
     * The pending record position (receiver) or the sent end (sender).
     *
     * @return the pending record position (receiver) or the sent end (sender).
     */
    long third()
    {
        return words.getLongVolatile(THIRD_OFFSET);
    }

    /**
     * A receiver notes a commit about to happen: its record's position in the local ring, then its end in the
     * sender's ring.
     *
     * @param end      the message's end position in the sender's ring.
     * @param position its record's position in the local ring.
     */
    void begin(final long end, final long position)
    {
        words.putLongRelease(THIRD_OFFSET, position);
        words.putLongRelease(SECOND_OFFSET, end);
    }

    /**
     * Notes the committed (receiver) or acknowledged (sender) end.
     *
     * @param end the position.
     */
    void end(final long end)
    {
        words.putLongRelease(END_OFFSET, end);
    }

    /**
     * A sender notes where it stands.
     *
     * @param acknowledged the highest acknowledged end.
     * @param released     its ring's released position.
     * @param sent         the end of the last message it sent.
     * @param messages     messages sent by this process.
     */
    void sender(final long acknowledged, final long released, final long sent, final long messages)
    {
        words.putLongRelease(END_OFFSET, acknowledged);
        words.putLongRelease(SECOND_OFFSET, released);
        words.putLongRelease(THIRD_OFFSET, sent);
        words.putLongRelease(MESSAGES_OFFSET, messages);
    }

    /**
     * Counts the messages this process committed.
     *
     * @param messages the count.
     */
    void messages(final long messages)
    {
        words.putLongRelease(MESSAGES_OFFSET, messages);
    }

    /**
     * Counts the frames this process rejected.
     *
     * @param frames the count.
     */
    void rejectedFrames(final long frames)
    {
        words.putLongRelease(REJECTED_FRAMES_OFFSET, frames);
    }

    /** Stamps the time of the last update, so the tools can tell a live half from a silent one. */
    void touch()
    {
        words.putLongRelease(UPDATED_MILLIS_OFFSET, System.currentTimeMillis());
    }

    /**
     * The state file.
     *
     * @return the state file.
     */
    Path file()
    {
        return file;
    }

    /** Unmaps the file and removes it: a sender's state only describes a running sender. */
    void closeAndRemove()
    {
        close();
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            // Left behind, it says its process is gone; nothing depends on it.
        }
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
