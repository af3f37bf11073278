package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.QueueExistsException;
import io.shmq.InvalidQueueException;
import io.shmq.QueueName;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.process.ProcessIdentity;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

/**
 * Named queues in SysV shared-memory segments, on huge pages by choice: the same rings as tmpfs queues, found by
 * a key derived from the queue name.
 *
 * <pre>{@code
 * try (ShmQueue queue = SysVQueues.create("orders", QueueConfig.spsc(1 << 20), SegmentPages.HUGE_2MB))
 * { ... }
 * SysVQueues.delete("orders");
 * }</pre>
 *
 * <p><b>Names to keys.</b> Queue {@code NAME} lives under key {@link #keyOf(String) keyOf(NAME)}: the 32-bit FNV-1a
 * hash of {@code "shmq:" + NAME}, never 0 ({@code IPC_PRIVATE}). Two names may collide, and any program may use
 * any key, so nothing under a key is trusted: the header's magic, its other fields and the 64-bit hash of the name
 * recorded in it are checked when opening.
 *
 * <p><b>Lifecycle.</b> A segment lives until it is deleted, like a file in {@code /dev/shm}: closing a queue only
 * detaches it. {@link #delete(String)} issues {@code IPC_RMID}: the key is free at once and the memory (and huge
 * pages) return to the host when the last process detaches. A process killed before deleting leaves its segment
 * behind: {@link #findStale()} finds shmq segments nobody is attached to whose creator is dead, and
 * {@link #removeStale()} removes them.
 */
public final class SysVQueues
{
    private SysVQueues()
    {
    }

    /**
     * The SysV key of a queue name.
     *
     * @param name a valid queue name.
     * @return FNV-1a-32 of {@code "shmq:" + name}, never 0.
     */
    public static int keyOf(final String name)
    {
        int hash = 0x811c9dc5;
        for (final byte b : ("shmq:" + QueueName.validate(name)).getBytes(StandardCharsets.US_ASCII))
        {
            hash ^= b & 0xFF;
            hash *= 0x01000193;
        }
        return hash == 0 ? 0x73686d71 : hash;
    }

    /**
     * Creates queue {@code name} in a new segment; fails if a segment exists under its key.
     *
     * @param name   the queue name.
     * @param config kind, capacity, max message length, alignment and permissions ({@code directory} is unused).
     * @param pages  huge or ordinary pages.
     * @return the open queue.
     */
    public static ShmQueue create(final String name, final QueueConfig config, final SegmentPages pages)
    {
        final String what = "queue '" + name + "'";
        final SysVSegmentRegion region = SysVSegmentRegion.create(keyOf(name),
            QueueHeaderDescriptor.HEADER_LENGTH + config.capacity(), pages, mode(config),
            buffer -> ShmQueue.initialize(buffer, name, config), what);
        try
        {
            return ShmQueue.attach(name, region, config);
        }
        catch (final RuntimeException ex)
        {
            delete(name);
            throw ex;
        }
    }

    /**
     * Opens existing queue {@code name}, checking it is the queue {@code config} describes.
     *
     * @param name   the queue name.
     * @param config the expected shape; {@code allowForeignOwner} and the ready timeout apply.
     * @return the open queue.
     */
    public static ShmQueue open(final String name, final QueueConfig config)
    {
        final SysVSegmentRegion region = SysVSegmentRegion.open(keyOf(name), QueueHeaderDescriptor.HEADER_LENGTH,
            config.allowForeignOwner(), "queue '" + name + "'");
        return ShmQueue.attach(name, region, config);
    }

    /**
     * Opens queue {@code name} if its segment exists, otherwise creates it.
     *
     * @param name   the queue name.
     * @param config the queue's shape.
     * @param pages  pages for a new segment.
     * @return the open queue.
     */
    public static ShmQueue createOrOpen(final String name, final QueueConfig config, final SegmentPages pages)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return create(name, config, pages);
            }
            catch (final QueueExistsException exists)
            {
                try
                {
                    return open(name, config);
                }
                catch (final InvalidQueueException ex)
                {
                    if (attempt >= 10 || !ex.getMessage().contains("no SysV segment"))
                    {
                        throw ex;
                    }
                }
            }
        }
    }

    /**
     * Removes queue {@code name}'s segment ({@code IPC_RMID}); attached processes keep it until they detach.
     *
     * @param name the queue name.
     * @return true when a segment was removed.
     */
    public static boolean delete(final String name)
    {
        final int id = LibC.shmget(keyOf(name), 0, 0);
        return id >= 0 && LibC.shmctl(id, LibC.IPC_RMID, null) == 0;
    }

    /**
     * shmq segments that nobody is attached to and whose creator is no longer alive (pid gone, or reused by
     * another process: the creator's start time is recorded in the header).
     *
     * @return their status, possibly empty.
     */
    public static List<SegmentStat> findStale()
    {
        final List<SegmentStat> stale = new ArrayList<>();
        for (final String[] fields : SysVSegmentRegion.procSysvipcShm())
        {
            final int id = Integer.parseInt(fields[1]);
            if (Long.parseLong(fields[6]) != 0)
            {
                continue;
            }
            final SegmentStat stat;
            try
            {
                stat = SysVSegmentRegion.stat(id);
            }
            catch (final RuntimeException ex)
            {
                continue; // another user's, or gone meanwhile
            }
            if (stat.attachCount() == 0 && stat.size() >= QueueHeaderDescriptor.HEADER_LENGTH &&
                isShmqWithDeadCreator(id))
            {
                stale.add(stat);
            }
        }
        return stale;
    }

    /**
     * Removes every segment {@link #findStale()} finds.
     *
     * @return the segments removed.
     */
    public static List<SegmentStat> removeStale()
    {
        final List<SegmentStat> removed = new ArrayList<>();
        for (final SegmentStat stat : findStale())
        {
            // Re-check right before removing: someone may have attached since.
            if (SysVSegmentRegion.stat(stat.id()).attachCount() == 0 && LibC.shmctl(stat.id(), LibC.IPC_RMID, null) == 0)
            {
                removed.add(stat);
            }
        }
        return removed;
    }

    /**
     * Snapshots of every shmq segment this process may read (other users' owner-only segments are not seen),
     * named by their keys ({@code key 0x...}): the header keeps a hash of the name, not the name.
     *
     * @return their snapshots.
     */
    public static List<io.shmq.inspect.QueueSnapshot> snapshots()
    {
        final List<io.shmq.inspect.QueueSnapshot> snapshots = new ArrayList<>();
        for (final String[] fields : SysVSegmentRegion.procSysvipcShm())
        {
            final io.shmq.inspect.QueueSnapshot snapshot =
                snapshot(Integer.parseInt(fields[1]), String.format("key 0x%08x", Integer.parseInt(fields[0])));
            if (snapshot != null && snapshot.valid())
            {
                snapshots.add(snapshot);
            }
        }
        return snapshots;
    }

    /**
     * A snapshot of the segment of queue {@code name}.
     *
     * @param name the queue name.
     * @return its snapshot, or null when no such segment can be read.
     */
    public static io.shmq.inspect.QueueSnapshot snapshot(final String name)
    {
        final int id = LibC.shmget(keyOf(name), 0, 0);
        return id < 0 ? null : snapshot(id, name);
    }

    /**
     * Reads a segment's header through a read-only attach (detached again at once).
     */
    private static io.shmq.inspect.QueueSnapshot snapshot(final int id, final String name)
    {
        final SegmentStat stat;
        try
        {
            stat = SysVSegmentRegion.stat(id);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
        if (stat.size() < QueueHeaderDescriptor.HEADER_LENGTH)
        {
            return null;
        }
        final long address = LibC.shmat(id, 0, LibC.SHM_RDONLY);
        if (address == -1)
        {
            return null;
        }
        final byte[] copy = new byte[QueueHeaderDescriptor.HEADER_LENGTH];
        try
        {
            new UnsafeBuffer(address, QueueHeaderDescriptor.HEADER_LENGTH).getBytes(0, copy);
        }
        finally
        {
            LibC.shmdt(address);
        }
        return io.shmq.inspect.QueueSnapshot.read(name, String.format("SysV segment %d (key 0x%08x)", id,
            stat.key()), new UnsafeBuffer(copy), (int)stat.attachCount());
    }

    private static boolean isShmqWithDeadCreator(final int id)
    {
        final long address = LibC.shmat(id, 0, LibC.SHM_RDONLY);
        if (address == -1)
        {
            return false;
        }
        try
        {
            final UnsafeBuffer header = new UnsafeBuffer(address, QueueHeaderDescriptor.HEADER_LENGTH);
            if (header.getLongVolatile(QueueHeaderDescriptor.MAGIC_OFFSET) != QueueHeaderDescriptor.MAGIC)
            {
                return false;
            }
            final long pid = header.getLong(QueueHeaderDescriptor.CREATOR_PID_OFFSET);
            final long startTime = header.getLong(QueueHeaderDescriptor.CREATOR_START_TIME_OFFSET);
            final ProcessIdentity creator = ProcessIdentity.of(pid);
            return creator == null || creator.startTime() != startTime;
        }
        finally
        {
            LibC.shmdt(address);
        }
    }

    private static int mode(final QueueConfig config)
    {
        int mode = 0;
        for (final PosixFilePermission permission : config.permissions())
        {
            switch (permission)
            {
                case OWNER_READ: mode |= 0400; break;
                case OWNER_WRITE: mode |= 0200; break;
                case GROUP_READ: mode |= 0040; break;
                case GROUP_WRITE: mode |= 0020; break;
                case OTHERS_READ: mode |= 0004; break;
                case OTHERS_WRITE: mode |= 0002; break;
                default: throw new IllegalArgumentException("execute bits are not allowed: " + permission);
            }
        }
        return mode;
    }
}
