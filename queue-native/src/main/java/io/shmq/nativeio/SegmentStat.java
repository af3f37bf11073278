package io.shmq.nativeio;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * What {@code shmctl(IPC_STAT)} says of a SysV segment: owner, mode, size, creator, attach count.
 *
 * <pre>
 *   struct shmid_ds on x86_64, 112 bytes (fields read here)
 *    0 key   4 uid   8 gid   12 cuid   16 cgid   20 mode (16 bits)
 *   48 shm_segsz (64)   56 atime   64 dtime   72 ctime
 *   80 cpid (32)   84 lpid (32)   88 shm_nattch (64)
 * </pre>
 */
public final class SegmentStat
{
    /** Size of {@code struct shmid_ds} on x86_64. */
    static final int STRUCT_LENGTH = 112;

    /** {@code SHM_DEST}: marked for removal, gone when the last process detaches. */
    private static final int SHM_DEST = 01000;

    private final int id;
    private final int key;
    private final int uid;
    private final int mode;
    private final long size;
    private final int creatorPid;
    private final long attachCount;

    private SegmentStat(
        final int id, final int key, final int uid, final int mode, final long size, final int creatorPid,
        final long attachCount)
    {
        this.id = id;
        this.key = key;
        this.uid = uid;
        this.mode = mode;
        this.size = size;
        this.creatorPid = creatorPid;
        this.attachCount = attachCount;
    }

    static SegmentStat decode(final int id, final byte[] struct)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(struct);
        return new SegmentStat(id, buffer.getInt(0), buffer.getInt(4), buffer.getShort(20) & 0xFFFF,
            buffer.getLong(48), buffer.getInt(80), buffer.getLong(88));
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
     * The key it was created under.
     *
     * @return the key.
     */
    public int key()
    {
        return key;
    }

    /**
     * Owner's uid.
     *
     * @return the uid.
     */
    public int uid()
    {
        return uid;
    }

    /**
     * Permission bits (and {@code SHM_DEST} etc. above them).
     *
     * @return the mode.
     */
    public int mode()
    {
        return mode;
    }

    /**
     * Permission bits only, e.g. {@code 0600}.
     *
     * @return the low 9 bits of the mode.
     */
    public int permissions()
    {
        return mode & 0777;
    }

    /**
     * Whether the segment is marked for removal.
     *
     * @return true after {@code IPC_RMID} while still attached.
     */
    public boolean isMarkedForRemoval()
    {
        return (mode & SHM_DEST) != 0;
    }

    /**
     * Segment size in bytes.
     *
     * @return {@code shm_segsz}.
     */
    public long size()
    {
        return size;
    }

    /**
     * Pid of the creating process.
     *
     * @return {@code shm_cpid}.
     */
    public int creatorPid()
    {
        return creatorPid;
    }

    /**
     * Number of current attaches.
     *
     * @return {@code shm_nattch}.
     */
    public long attachCount()
    {
        return attachCount;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "segment id " + id + " key 0x" + Integer.toHexString(key) + " uid " + uid + " mode 0" +
            Integer.toOctalString(permissions()) + " size " + size + " creator pid " + creatorPid + " attached " +
            attachCount;
    }
}
