package io.shmq.layout;

/**
 * Binary layout of the queue header: the first {@link #HEADER_LENGTH} bytes of every shmq region, followed by the
 * ring's data area of {@code capacity} bytes. All fields are little-endian at fixed offsets; see
 * {@code docs/LAYOUT.md} for the language-neutral description.
 *
 * <pre>
 *   Line 0: identity, written once by the creator before the ready word
 *  +---------------------------------------------------------------+
 *  |                      Magic "SHMQRING" (64)                    |    0
 *  +-------------------------------+-------------------------------+
 *  |        Layout Version         |          Ring Kind            |    8 | 12
 *  +-------------------------------+-------------------------------+
 *  |     Capacity (data bytes)     |      Max Message Length       |   16 | 20
 *  +-------------------------------+-------------------------------+
 *  |   Header Length (data start)  |       Record Alignment        |   24 | 28
 *  +-------------------------------+-------------------------------+
 *  |                       Creator Pid (64)                        |   32
 *  +---------------------------------------------------------------+
 *  |          Creator Start Time (64, clock ticks since boot)      |   40
 *  +---------------------------------------------------------------+
 *  |                Creation Time (64, epoch millis)               |   48
 *  +-------------------------------+-------------------------------+
 *  |   Ready Word (release, last)  |           reserved            |   56 | 60
 *  +-------------------------------+-------------------------------+
 *  |            Name Hash (64, FNV-1a of the queue name)           |   64
 *  +---------------------------------------------------------------+
 *  |                      reserved to 128                          |   72
 *  +===============================================================+
 *   Line 1: producer side (written by producers)
 *  +---------------------------------------------------------------+
 *  |                     Tail Position (64)                        |  128
 *  +---------------------------------------------------------------+
 *  |                      reserved to 256                          |  136
 *  +===============================================================+
 *   Line 2: consumer side (written by the consumer)
 *  +---------------------------------------------------------------+
 *  |                     Head Position (64)                        |  256
 *  +---------------------------------------------------------------+
 *  |                   Consumed Position (64)                      |  264
 *  +---------------------------------------------------------------+
 *  |               Consumer Heartbeat (64, epoch millis)           |  272
 *  +---------------------------------------------------------------+
 *  |                      reserved to 384                          |  280
 *  +===============================================================+
 *   Line 3: ownership (written on attach and close)
 *  +---------------------------------------------------------------+
 *  |                   Consumer Owner Token (64)                   |  384
 *  +---------------------------------------------------------------+
 *  |                 SPSC Producer Owner Token (64)                |  392
 *  +---------------------------------------------------------------+
 *  |          Consumer Owner PID Namespace (64, inode)             |  400
 *  +---------------------------------------------------------------+
 *  |        SPSC Producer Owner PID Namespace (64, inode)          |  408
 *  +---------------------------------------------------------------+
 *  |      Consumer Owner Lock (64: 1 = holds its file lock)        |  416
 *  +---------------------------------------------------------------+
 *  |    SPSC Producer Owner Lock (64: 1 = holds its file lock)     |  424
 *  +---------------------------------------------------------------+
 *  |                      reserved to 512                          |  432
 *  +===============================================================+
 *   Line 4: consumer wake-up (a sleeping consumer announces itself here)
 *  +-------------------------------+-------------------------------+
 *  |   Consumer Waiter Count       |   Consumer Futex Word         |  512 | 516
 *  +-------------------------------+-------------------------------+
 *  |                      reserved to 640                          |  520
 *  +===============================================================+
 *   Line 5: producer wake-up (a producer waiting for space)
 *  +-------------------------------+-------------------------------+
 *  |   Producer Waiter Count       |   Producer Futex Word         |  640 | 644
 *  +-------------------------------+-------------------------------+
 *  |                      reserved to 768                          |  648
 *  +===============================================================+
 *   Line 6: counters, 8 x 64-bit, see COUNTER_* constants
 *  +---------------------------------------------------------------+
 *  |                Counter 0 .. Counter 7 (64 each)               |  768
 *  +===============================================================+
 *  |              reserved, zero, up to HEADER_LENGTH              |  896
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Lines are 128 bytes apart because adjacent-line prefetch pairs 64-byte lines: a producer store must not
 * evict the consumer's line. The tail is written only by producers, the head only by the consumer.
 *
 * <p>Positions are byte counts since creation that never wrap (2<sup>63</sup> bytes); a position's offset in the
 * data area is {@code position & (capacity - 1)}.
 */
public final class QueueHeaderDescriptor
{
    /** "SHMQRING" read as a little-endian 64-bit integer. */
    public static final long MAGIC = 0x474E4952_514D4853L;

    /** Version of this layout. Bumped only when an offset or meaning changes. */
    public static final int LAYOUT_VERSION = 2;

    /** Value of the ready word once the header is complete. */
    public static final int READY = 1;

    /** Bytes between two fields written by different sides. */
    public static final int LINE_LENGTH = 128;

    /** Length of the header; the data area starts here, page aligned. */
    public static final int HEADER_LENGTH = 4096;

    /** Offset of the 64-bit magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the 32-bit layout version. */
    public static final int LAYOUT_VERSION_OFFSET = 8;
    /** Offset of the 32-bit ring kind ({@link RingKind#code()}). */
    public static final int RING_KIND_OFFSET = 12;
    /** Offset of the 32-bit data capacity in bytes, a power of two. */
    public static final int CAPACITY_OFFSET = 16;
    /** Offset of the 32-bit largest payload length a producer may write. */
    public static final int MAX_MESSAGE_LENGTH_OFFSET = 20;
    /** Offset of the 32-bit header length, the data area's offset in the region. */
    public static final int HEADER_LENGTH_OFFSET = 24;
    /**
     * Offset of the 32-bit record alignment, a power of two from 8 to 128: the slot of a small record (see
     * {@link RecordDescriptor#span}).
     */
    public static final int RECORD_ALIGNMENT_OFFSET = 28;
    /** Offset of the 64-bit pid of the creating process. */
    public static final int CREATOR_PID_OFFSET = 32;
    /** Offset of the 64-bit start time of the creating process (field 22 of {@code /proc/PID/stat}). */
    public static final int CREATOR_START_TIME_OFFSET = 40;
    /** Offset of the 64-bit creation time in epoch milliseconds. */
    public static final int CREATION_TIME_OFFSET = 48;
    /** Offset of the 32-bit ready word, stored with release after every other identity field. */
    public static final int READY_OFFSET = 56;

    /**
     * Offset of the 64-bit FNV-1a hash of the queue's name, so that a region found under a name (a SysV key is a
     * hash of it) is known to be that queue's and not another one's that collides; 0 when not recorded.
     */
    public static final int NAME_HASH_OFFSET = 64;

    /** Offset of the 64-bit tail position: end of the last claimed (MPSC) or committed (SPSC) record. */
    public static final int TAIL_POSITION_OFFSET = LINE_LENGTH;

    /** Offset of the 64-bit head position: producers may reuse every byte before it. */
    public static final int HEAD_POSITION_OFFSET = 2 * LINE_LENGTH;
    /**
     * Offset of the 64-bit consumed position: the consumer has handled every record before it but may not yet
     * have released them (it zeroes them first). A successor finishes the release.
     */
    public static final int CONSUMED_POSITION_OFFSET = HEAD_POSITION_OFFSET + 8;
    /** Offset of the 64-bit consumer heartbeat, epoch milliseconds. */
    public static final int CONSUMER_HEARTBEAT_OFFSET = HEAD_POSITION_OFFSET + 16;

    /** Offset of the 64-bit consumer owner token (pid and start time), 0 when free. */
    public static final int CONSUMER_OWNER_OFFSET = 3 * LINE_LENGTH;
    /** Offset of the 64-bit owner token of the one SPSC producer, 0 when free. */
    public static final int PRODUCER_OWNER_OFFSET = CONSUMER_OWNER_OFFSET + 8;
    /**
     * Offset of the PID namespace (inode of {@code /proc/PID/ns/pid}) of the consumer's owner, 0 when unknown: an
     * owner token's pid means something only inside that namespace.
     */
    public static final int CONSUMER_OWNER_NAMESPACE_OFFSET = CONSUMER_OWNER_OFFSET + 16;
    /** Offset of the PID namespace of the SPSC producer's owner, 0 when unknown. */
    public static final int PRODUCER_OWNER_NAMESPACE_OFFSET = CONSUMER_OWNER_OFFSET + 24;
    /**
     * Offset of the consumer owner's lock word: 1 while the owner holds an exclusive lock on the 8 bytes of its
     * token in the queue file (see {@link io.shmq.process.OwnerLocks}), 0 otherwise. The kernel drops such a lock
     * when its holder dies, whatever its PID namespace, so a dead owner can be told from any namespace.
     */
    public static final int CONSUMER_OWNER_LOCK_OFFSET = CONSUMER_OWNER_OFFSET + 32;
    /** Offset of the SPSC producer owner's lock word (as {@link #CONSUMER_OWNER_LOCK_OFFSET}). */
    public static final int PRODUCER_OWNER_LOCK_OFFSET = CONSUMER_OWNER_OFFSET + 40;

    /** Offset of the 32-bit count of consumers sleeping for data (reserved for blocking wake-up). */
    public static final int CONSUMER_WAITERS_OFFSET = 4 * LINE_LENGTH;
    /** Offset of the 32-bit futex word a sleeping consumer waits on (reserved for blocking wake-up). */
    public static final int CONSUMER_FUTEX_OFFSET = CONSUMER_WAITERS_OFFSET + 4;

    /** Offset of the 32-bit count of producers sleeping for space (reserved for blocking wake-up). */
    public static final int PRODUCER_WAITERS_OFFSET = 5 * LINE_LENGTH;
    /** Offset of the 32-bit futex word a sleeping producer waits on (reserved for blocking wake-up). */
    public static final int PRODUCER_FUTEX_OFFSET = PRODUCER_WAITERS_OFFSET + 4;

    /** Offset of the first of {@link #COUNTER_COUNT} 64-bit counters. */
    public static final int COUNTERS_OFFSET = 6 * LINE_LENGTH;
    /** Number of counter slots in the header. */
    public static final int COUNTER_COUNT = 8;
    /** Counter: times an owner was replaced because the previous one was no longer alive. */
    public static final int COUNTER_OWNER_TAKEOVERS = 0;
    /** Counter: claimed records never committed, turned into padding after the unblock timeout. */
    public static final int COUNTER_UNBLOCKED_RECORDS = 1;

    private QueueHeaderDescriptor()
    {
    }

    /**
     * Offset of counter {@code index}.
     *
     * @param index 0 to {@link #COUNTER_COUNT} - 1.
     * @return the offset of the 64-bit counter in the header.
     */
    public static int counterOffset(final int index)
    {
        if (index < 0 || index >= COUNTER_COUNT)
        {
            throw new IllegalArgumentException("counter index " + index + " outside 0.." + (COUNTER_COUNT - 1));
        }
        return COUNTERS_OFFSET + index * 8;
    }
}
