package io.shmq.inspect;

import io.shmq.layout.BridgeStateDescriptor;
import io.shmq.process.ProcessIdentity;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One bridge half's state as its file ({@link BridgeStateDescriptor}) says at one moment, for the tools. Reading
 * never writes.
 *
 * @param queue        the bridged queue's name.
 * @param receiver     true for the receiving half, false for the sending one.
 * @param file         the state file.
 * @param valid        false when the file is not a bridge state of this version (the numbers are then 0).
 * @param pid          the process that last ran the half (0: unknown).
 * @param alive        whether that process is alive.
 * @param updatedMillis when it last wrote the file (epoch millis).
 * @param end          receiver: committed end in the sender's ring; sender: acknowledged end (-1: none).
 * @param released     sender: its ring's released position; receiver: -1.
 * @param sent         sender: the end of the last message it sent; receiver: -1.
 * @param messages     messages committed (receiver) or sent (sender) by that process.
 * @param rejectedFrames frames that process discarded as malformed or not its peer's.
 */
public record BridgeSnapshot(
    String queue,
    boolean receiver,
    Path file,
    boolean valid,
    long pid,
    boolean alive,
    long updatedMillis,
    long end,
    long released,
    long sent,
    long messages,
    long rejectedFrames)
{
    /**
     * The bridge halves whose state files are in {@code directory}, sorted by queue name, senders first.
     *
     * @param directory e.g. {@code /dev/shm}.
     * @return their snapshots.
     */
    public static List<BridgeSnapshot> list(final Path directory)
    {
        final List<BridgeSnapshot> bridges = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, ".shmq-bridge-*"))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                final boolean receiver = name.startsWith(BridgeStateDescriptor.RECEIVER_PREFIX);
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS) &&
                    (receiver || name.startsWith(BridgeStateDescriptor.SENDER_PREFIX)))
                {
                    bridges.add(read(entry, receiver));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + directory, ex);
        }
        bridges.sort((a, b) -> a.queue.equals(b.queue) ? Boolean.compare(a.receiver, b.receiver) :
            a.queue.compareTo(b.queue));
        return bridges;
    }

    /**
     * Reads one state file.
     *
     * @param file     the file.
     * @param receiver whether it is a receiving half's.
     * @return its snapshot.
     */
    public static BridgeSnapshot read(final Path file, final boolean receiver)
    {
        final String name = file.getFileName().toString().substring(
            (receiver ? BridgeStateDescriptor.RECEIVER_PREFIX : BridgeStateDescriptor.SENDER_PREFIX).length());
        final ByteBuffer bytes = ByteBuffer.allocate(BridgeStateDescriptor.LENGTH).order(ByteOrder.nativeOrder());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            while (bytes.hasRemaining() && channel.read(bytes) > 0)
            {
                // the whole state
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
        final UnsafeBuffer words = new UnsafeBuffer(bytes.array());
        final long magic = receiver ? BridgeStateDescriptor.RECEIVER_MAGIC : BridgeStateDescriptor.SENDER_MAGIC;
        if (bytes.hasRemaining() || words.getLong(BridgeStateDescriptor.MAGIC_OFFSET) != magic ||
            words.getInt(BridgeStateDescriptor.VERSION_OFFSET) != BridgeStateDescriptor.VERSION)
        {
            return new BridgeSnapshot(name, receiver, file, false, 0, false, 0, 0, 0, 0, 0, 0);
        }
        final long owner = words.getLong(BridgeStateDescriptor.OWNER_OFFSET);
        final ProcessIdentity identity = owner == 0 ? null : ProcessIdentity.fromToken(owner);
        return new BridgeSnapshot(name, receiver, file, true, identity == null ? 0 : identity.pid(),
            identity != null && identity.isAlive(),
            words.getLong(BridgeStateDescriptor.UPDATED_MILLIS_OFFSET), words.getLong(BridgeStateDescriptor.END_OFFSET),
            receiver ? -1 : words.getLong(BridgeStateDescriptor.SECOND_OFFSET),
            receiver ? -1 : words.getLong(BridgeStateDescriptor.THIRD_OFFSET),
            words.getLong(BridgeStateDescriptor.MESSAGES_OFFSET),
            words.getLong(BridgeStateDescriptor.REJECTED_FRAMES_OFFSET));
    }
}
