package io.shmq.nativeio;

import io.shmq.errors.InvalidQueueException;
import io.shmq.errors.QueueNotFoundException;
import io.shmq.errors.QueueExistsException;
import io.shmq.errors.ShmqException;
import io.shmq.layout.QueueHeaderValidator;
import io.shmq.platform.JvmRequirements;
import io.shmq.process.ProcessIdentity;
import io.shmq.region.AbstractRegion;
import io.shmq.region.RegionInitializer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A region in a SysV shared-memory segment ({@code shmget}/{@code shmat}), on huge pages or ordinary ones.
 *
 * <p>A segment is found by its 32-bit key and lives until it is removed ({@link #markForRemoval()}, i.e.
 * {@code IPC_RMID}): then its key is gone at once and its memory (and huge pages) are freed when the last process
 * detaches. {@link #close()} only detaches. Huge pages are reserved by {@code shmget} itself (shmq never passes
 * {@code SHM_NORESERVE}), so a segment that was created can be touched without {@code SIGBUS}; ordinary pages are
 * touched once at creation.
 */
public final class SysVSegmentRegion extends AbstractRegion
{
    private final int id;
    private final int key;
    private final long address;
    private final long segmentSize;
    private final SegmentPages pages;

    private SysVSegmentRegion(
        final int id, final int key, final long address, final long segmentSize, final int length,
        final SegmentPages pages)
    {
        super(new UnsafeBuffer(address, length), "SysV segment key 0x" + Integer.toHexString(key) + " id " + id +
            (pages == null ? "" : ", " + pageName(pages)));
        this.id = id;
        this.key = key;
        this.address = address;
        this.segmentSize = segmentSize;
        this.pages = pages;
    }

    /**
     * Creates a segment under {@code key} (failing if one exists), attaches it, and lets {@code initializer} fill
     * it; a failure removes the segment again.
     *
     * @param key         the segment key, not 0 ({@code IPC_PRIVATE}).
     * @param length      bytes the caller needs; the segment is rounded up to whole pages.
     * @param pages       page kind.
     * @param mode        permission bits, e.g. {@code 0600}.
     * @param initializer fills the new region (the ready word last).
     * @param what        the queue, for messages.
     * @return the attached region.
     * @throws QueueExistsException when a segment exists under the key.
     * @throws ShmqException        naming what to do when huge pages are missing or not allowed.
     */
    public static SysVSegmentRegion create(
        final int key, final int length, final SegmentPages pages, final int mode, final RegionInitializer initializer,
        final String what)
    {
        JvmRequirements.requireAgronaAccess();
        if (key == 0)
        {
            throw new IllegalArgumentException("key 0 is IPC_PRIVATE: a queue needs a key others can find");
        }
        if ((mode & ~0666) != 0 || (mode & 0600) != 0600)
        {
            throw new IllegalArgumentException("mode must hold owner read/write and no execute bits: 0" +
                Integer.toOctalString(mode));
        }

        SegmentPages granted = pages;
        long size = granted.roundUp(length);
        int id = LibC.shmget(key, size, LibC.IPC_CREAT | LibC.IPC_EXCL | mode | granted.shmgetFlags());
        if (id < 0 && pages == SegmentPages.HUGE_2MB_IF_AVAILABLE && isHugePageShortage(LibC.errno()))
        {
            granted = SegmentPages.SMALL;
            size = granted.roundUp(length);
            id = LibC.shmget(key, size, LibC.IPC_CREAT | LibC.IPC_EXCL | mode);
        }
        if (id < 0)
        {
            throw createFailure(LibC.errno(), key, size, granted, what);
        }

        final long address = LibC.shmat(id, 0, 0);
        if (address == -1)
        {
            final int errno = LibC.errno();
            LibC.shmctl(id, LibC.IPC_RMID, null);
            throw new ShmqException(what + ": shmat of new segment id " + id + " failed: " + LibC.describe(errno));
        }

        final SysVSegmentRegion region = new SysVSegmentRegion(id, key, address, size, length, granted);
        try
        {
            if (!granted.isHuge())
            {
                // Ordinary shm pages are allocated on first touch: touch them now, not in the middle of a send.
                region.buffer().setMemory(0, length, (byte)0);
            }
            initializer.initialize(region.buffer());
            return region;
        }
        catch (final RuntimeException ex)
        {
            region.markForRemoval();
            region.close();
            throw ex;
        }
    }

    /**
     * Attaches the segment under {@code key} after checking its owner and size.
     *
     * @param key               the segment key.
     * @param minLength         smallest acceptable size.
     * @param allowForeignOwner accept a segment of another user (its mode must still allow us).
     * @param what              the queue, for messages.
     * @return the attached region.
     * @throws InvalidQueueException when there is no such segment, it is foreign, or too small.
     */
    public static SysVSegmentRegion open(
        final int key, final int minLength, final boolean allowForeignOwner, final String what)
    {
        JvmRequirements.requireAgronaAccess();
        final int id = LibC.shmget(key, 0, 0);
        if (id < 0)
        {
            final int errno = LibC.errno();
            if (errno == LibC.ENOENT)
            {
                throw new QueueNotFoundException(what + ": no SysV segment under key 0x" + Integer.toHexString(key) +
                    ": create the queue first, or check its name");
            }
            throw new InvalidQueueException(what + ": shmget(key 0x" + Integer.toHexString(key) + ") failed: " +
                LibC.describe(errno) + accessAdvice(key, errno));
        }

        final SegmentStat stat;
        try
        {
            stat = stat(id);
        }
        catch (final ShmqException ex)
        {
            throw new InvalidQueueException(what + ": " + ex.getMessage() + accessAdvice(key, LibC.EACCES), ex);
        }
        final int myUid = currentUid();
        if (stat.uid() != myUid && !allowForeignOwner)
        {
            throw new InvalidQueueException(what + ": " + stat + " is owned by uid " + stat.uid() + ", expected uid " +
                myUid + " (this process): open it with allowForeignOwner(true) if sharing across users is intended");
        }
        QueueHeaderValidator.checkRegionLength(stat.size(), minLength, what + ": " + stat);

        final long address = LibC.shmat(id, 0, 0);
        if (address == -1)
        {
            final int errno = LibC.errno();
            throw new InvalidQueueException(what + ": shmat of " + stat + " failed: " + LibC.describe(errno) +
                accessAdvice(key, errno));
        }
        return new SysVSegmentRegion(id, key, address, stat.size(), (int)Math.min(stat.size(), Integer.MAX_VALUE),
            null);
    }

    /**
     * {@code IPC_STAT} of a segment.
     *
     * @param id the segment id.
     * @return its status.
     * @throws ShmqException when the call fails (no such id, no permission).
     */
    public static SegmentStat stat(final int id)
    {
        final byte[] struct = new byte[SegmentStat.STRUCT_LENGTH];
        if (LibC.shmctl(id, LibC.IPC_STAT, struct) < 0)
        {
            throw new ShmqException("shmctl(IPC_STAT) of segment id " + id + " failed: " +
                LibC.describe(LibC.errno()));
        }
        return SegmentStat.decode(id, struct);
    }

    /**
     * Removes the segment ({@code IPC_RMID}): its key is free at once, its memory goes with the last detach.
     *
     * @return true when this call removed it, false when it was already gone.
     */
    public boolean markForRemoval()
    {
        return LibC.shmctl(id, LibC.IPC_RMID, null) == 0;
    }

    /**
     * The segment's current status.
     *
     * @return {@code IPC_STAT} of this segment.
     */
    public SegmentStat stat()
    {
        return stat(id);
    }

    /**
     * Segment id.
     *
     * @return the shmid.
     */
    public int id()
    {
        return id;
    }

    /**
     * Segment key.
     *
     * @return the key.
     */
    public int key()
    {
        return key;
    }

    /**
     * Segment size: the length asked for, rounded up to whole pages.
     *
     * @return bytes.
     */
    public long segmentSize()
    {
        return segmentSize;
    }

    /**
     * The pages this process created the segment with, or null when it was opened.
     *
     * @return the page kind granted at creation.
     */
    public SegmentPages pages()
    {
        return pages;
    }

    /**
     * Detaches the segment ({@code shmdt}); it stays until removed.
     */
    protected void release()
    {
        LibC.shmdt(address);
    }

    private static boolean isHugePageShortage(final int errno)
    {
        return errno == LibC.ENOMEM || errno == LibC.EPERM || errno == LibC.EINVAL || errno == LibC.ENOSPC;
    }

    private static ShmqException createFailure(
        final int errno, final int key, final long size, final SegmentPages pages, final String what)
    {
        final String call = what + ": shmget(key 0x" + Integer.toHexString(key) + ", " + size + " bytes, " +
            pageName(pages) + ") failed with " + LibC.describe(errno) + ": ";
        if (errno == LibC.EEXIST)
        {
            return new QueueExistsException(call + "a segment already exists under this key; creation never " +
                "reuses it. Open the queue instead, or delete it if it is stale", null);
        }
        if (pages.isHuge() && (errno == LibC.ENOMEM || errno == LibC.ENOSPC))
        {
            final long needed = size / pages.pageSize();
            return new ShmqException(call + "not enough huge pages reserved: " +
                HugePageStatus.of(pages.pageSize()).adviceFor(needed) +
                ". Or ask for SegmentPages.HUGE_2MB_IF_AVAILABLE to fall back to 4 KiB pages");
        }
        if (pages.isHuge() && errno == LibC.EPERM)
        {
            return new ShmqException(call + "this process may not use huge pages for shared memory: it lacks " +
                "CAP_IPC_LOCK and its group is not vm.hugetlb_shm_group (now " +
                readTrimmed(Path.of("/proc/sys/vm/hugetlb_shm_group")) + "). Run with CAP_IPC_LOCK, or as root " +
                "echo GID > /proc/sys/vm/hugetlb_shm_group for the group of the queue's processes");
        }
        if (errno == LibC.EINVAL)
        {
            return new ShmqException(call + "size or page size refused: kernel.shmmax is " +
                readTrimmed(Path.of("/proc/sys/kernel/shmmax")) + (pages.isHuge() ?
                ", and this kernel may have no " + (pages.pageSize() >> 10) + " kB huge pages" : ""));
        }
        if (errno == LibC.ENOSPC)
        {
            return new ShmqException(call + "the host's SysV limits are exhausted (kernel.shmmni segments or " +
                "kernel.shmall pages): remove stale segments (SysVQueues.removeStale(), ipcs -m) or raise them");
        }
        if (errno == LibC.ENOMEM)
        {
            return new ShmqException(call + "not enough memory for the segment");
        }
        return new ShmqException(call + "see shmget(2)");
    }

    private static String accessAdvice(final int key, final int errno)
    {
        if (errno != LibC.EACCES)
        {
            return "";
        }
        final String owner = ownerFromProcfs(key);
        return ": the segment belongs to another user" + (owner.isEmpty() ? "" : " (" + owner + ")") +
            " and its mode does not let uid " + currentUid() + " in; have its creator grant group access " +
            "(QueueConfig.OWNER_AND_GROUP) to a group this process is in";
    }

    /**
     * Owner and mode of a segment from {@code /proc/sysvipc/shm}, readable by everyone even when IPC_STAT is not.
     */
    static String ownerFromProcfs(final int key)
    {
        for (final String[] fields : procSysvipcShm())
        {
            if (Integer.parseInt(fields[0]) == key)
            {
                return "uid " + fields[7] + ", mode " + Integer.toOctalString(Integer.parseInt(fields[2], 8) & 0777);
            }
        }
        return "";
    }

    /**
     * Rows of {@code /proc/sysvipc/shm}: key shmid perms size cpid lpid nattch uid gid cuid cgid ...
     */
    static List<String[]> procSysvipcShm()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/sysvipc/shm")).stream()
                .skip(1)
                .map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length >= 11)
                .collect(Collectors.toList());
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    static int currentUid()
    {
        return ProcessIdentity.effectiveUid();
    }

    private static String pageName(final SegmentPages pages)
    {
        return pages.isHuge() ? (pages.pageSize() >> 20) + " MiB huge pages" : "4 KiB pages";
    }

    private static String readTrimmed(final Path file)
    {
        try
        {
            return Files.readString(file).trim();
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }
}
