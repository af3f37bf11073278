package io.shmq.layout;

/**
 * Binary layout of a bridge half's state file, beside its queue: {@code .shmq-bridge-out-NAME} for the sending
 * half (what the tools show: how far it sent and was acknowledged), {@code .shmq-bridge-in-NAME} for the receiving
 * half (what it must not forget across its own crash: the position up to which it committed, and the commit in
 * progress). The names do not start with {@code shmq-}, so no queue tool takes them for queues. Native byte order
 * (little-endian on x86 and ARM), 128 bytes.
 *
 * <pre>
 *   0                               8               12              16
 *   +-------------------------------+---------------+---------------+
 *   | magic "SHMQBRIN"/"SHMQBROT"   | version       | reserved      |
 *   16                              24                              32
 *   | owner token (long)            | updated, epoch millis (long)  |
 *   32                              40                              48
 *   | end (long)                    | second end (long)             |
 *   48                              56                              64
 *   | third position (long)         | messages (long)               |
 *   64                              72                              80                             128
 *   | source incarnation (long)     | rejected frames (long)        | reserved                      |
 *   +-------------------------------+-------------------------------+-------------------------------+
 *
 *   receiving half: end = committed (-1: none yet), second = pending end, third = pending record position
 *   sending half:   end = acknowledged (-1: none yet), second = released, third = sent end
 *   source incarnation: the sending queue's creation (creator, creation time), 0 until known; a queue created
 *   again under the same name starts its positions at 0, which a receiver must not take for old ones
 *   rejected frames: frames the current process discarded as malformed or not its peer's (0 in files written
 *   before the field existed, where these bytes were reserved and zero)
 * </pre>
 *
 * A receiver commits a message as: pending position, pending end (release), the ring's commit, committed
 * (release); a pending end above the committed one after a crash means the ring decides.
 */
public final class BridgeStateDescriptor
{
    /** File name prefix of a receiving half's state, before the queue's name. */
    public static final String RECEIVER_PREFIX = ".shmq-bridge-in-";
    /** File name prefix of a sending half's state, before the queue's name. */
    public static final String SENDER_PREFIX = ".shmq-bridge-out-";

    /** "SHMQBRIN" in the bytes of a little-endian long. */
    public static final long RECEIVER_MAGIC = 0x4E49_5242_514D_4853L;
    /** "SHMQBROT" in the bytes of a little-endian long. */
    public static final long SENDER_MAGIC = 0x544F_5242_514D_4853L;
    /** Layout version. */
    public static final int VERSION = 1;
    /** A position not known yet. */
    public static final long NONE = -1;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the owning process's token (pid and start time, as a queue's owner words hold). */
    public static final int OWNER_OFFSET = 16;
    /** Offset of the time of the last update. */
    public static final int UPDATED_MILLIS_OFFSET = 24;
    /** Offset of the committed (receiver) or acknowledged (sender) end. */
    public static final int END_OFFSET = 32;
    /** Offset of the pending end (receiver) or released position (sender). */
    public static final int SECOND_OFFSET = 40;
    /** Offset of the pending record position (receiver) or the sent end (sender). */
    public static final int THIRD_OFFSET = 48;
    /** Offset of the count of messages committed (receiver) or sent (sender) by the current process. */
    public static final int MESSAGES_OFFSET = 56;
    /** Offset of the sending queue's incarnation. */
    public static final int INCARNATION_OFFSET = 64;
    /** Offset of the count of frames the current process rejected. */
    public static final int REJECTED_FRAMES_OFFSET = 72;
    /** Length of a state file. */
    public static final int LENGTH = 128;

    private BridgeStateDescriptor()
    {
    }
}
