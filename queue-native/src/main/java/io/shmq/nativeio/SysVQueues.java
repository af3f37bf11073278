package io.shmq.nativeio;

import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.RegionFactory;
import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.QueueHeaderValidator;
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
     * Where SysV queues live: segments under {@link #keyOf(String) keyOf(name)}, new ones on {@code pages}.
     *
     * @param pages pages for new segments.
     * @return the factory, for {@link ShmQueue#create(String, QueueConfig, RegionFactory)} and its siblings.
     */
    public static RegionFactory regions(final SegmentPages pages)
    {
        return new SysVRegionFactory(pages);
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
        return ShmQueue.create(name, config, regions(pages));
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
        return ShmQueue.open(name, config, regions(SegmentPages.SMALL));
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
        return ShmQueue.createOrOpen(name, config, regions(pages));
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
     * Copies of the headers of every segment this process may read (other users' owner-only segments are not seen),
     * each named by its key ({@code key 0x...}): the header keeps a hash of the name, not the name. A segment too
     * small for a header, or gone meanwhile, is left out; whether a copy is a shmq header is for the reader to check.
     *
     * @return the copies.
     */
    public static List<SegmentHeaderCopy> headerCopies()
    {
        final List<SegmentHeaderCopy> copies = new ArrayList<>();
        for (final String[] fields : SysVSegmentRegion.procSysvipcShm())
        {
            final SegmentHeaderCopy copy =
                headerCopy(Integer.parseInt(fields[1]), String.format("key 0x%08x", Integer.parseInt(fields[0])));
            if (copy != null)
            {
                copies.add(copy);
            }
        }
        return copies;
    }

    /**
     * A copy of the header of queue {@code name}'s segment.
     *
     * @param name the queue name.
     * @return the copy, or null when no such segment can be read.
     */
    public static SegmentHeaderCopy headerCopy(final String name)
    {
        final int id = LibC.shmget(keyOf(name), 0, 0);
        return id < 0 ? null : headerCopy(id, name);
    }

    /**
     * Copies a segment's header through a read-only attach (detached again at once): a reader never holds the
     * segment mapped, so it cannot fault on a segment removed under it.
     */
    private static SegmentHeaderCopy headerCopy(final int id, final String name)
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
        return new SegmentHeaderCopy(name, String.format("SysV segment %d (key 0x%08x)", id, stat.key()),
            new UnsafeBuffer(copy), (int)stat.attachCount());
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
            // Any layout version: a stale segment of an older shmq is removable too.
            if (!QueueHeaderValidator.hasMagic(header))
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

    static int mode(final QueueConfig config)
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
