package io.shmq.bridge;

import io.shmq.layout.RingKind;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The bridge's messages on its two Aeron streams, little-endian, each one Aeron message (Aeron fragments and
 * reassembles those longer than its MTU). Positions are byte positions in the sending side's ring: a message's end
 * position is its sequence number.
 *
 * <pre>
 * every frame          0               4               8
 *                      +---------------+---------------+
 *                      | frame type    | version       |
 *                      +---------------+---------------+
 * DATA (sender to receiver): a batch of consecutive messages, as many as fit one datagram
 *                      8                               16              20              24
 *                      +-------------------------------+---------------+---------------+
 *                      | previous end (long)           | count         | reserved      |
 *                      +-------------------------------+---------------+---------------+
 *   then count entries, each 8-aligned:
 *                      0                               8               12              16
 *                      +-------------------------------+---------------+---------------+
 *                      | end (long)                    | type id       | length        | payload, padded to 8
 *                      +-------------------------------+---------------+---------------+
 *   (previous end: the end of the message sent before the first, or the released position after a rewind;
 *   each entry's predecessor is the entry before it)
 * MESSAGE (sender to receiver): one message too long to share a datagram, Aeron fragmenting it
 *                      8                               16                              24              28
 *                      | previous end (long)           | end (long)                    | type id       |
 *                      28              32
 *                      | length        | payload ...
 *   (8 bytes less than a DATA frame of one entry: a 4096-byte message then fills three datagrams of Aeron's
 *   default MTU exactly, not four)
 * HELLO (sender to receiver, on connection and every second)
 *                      8                               16                              24
 *                      | released position (long)      | sender epoch (long)           |
 *                      24                              32                              40
 *                      | sent end (long)               | queue incarnation (long)      |
 *                      40              44              48              52              56
 *                      | ring kind     | capacity      | max msg length| name length   | name (UTF-8) ...
 *   (sent end: the end of the last DATA frame sent before this HELLO; a receiver that has committed less lost
 *   frames, and asks for them again; incarnation: which creation of the sending queue, see QueueShape)
 * ACK (receiver to sender)
 *                      8                               16                              24
 *                      | committed end (long)          | receiver epoch (long)         |
 *                      24              28              32
 *                      | flags         | reserved      |
 * </pre>
 */
public final class BridgeFrame
{
    /** Protocol version; a frame of another version is refused. */
    public static final int VERSION = 2;

    /** A message of the bridged queue. */
    public static final int DATA = 1;
    /** The sender's queue shape and where it stands. */
    public static final int HELLO = 2;
    /** The receiver's committed position. */
    public static final int ACK = 3;
    /** A message of the bridged queue, too long to share a datagram. */
    public static final int MESSAGE = 4;

    /** ACK flag: the receiver saw a gap; the sender goes back to its released position. */
    public static final int FLAG_RESEND = 1;

    static final int TYPE_OFFSET = 0;
    static final int VERSION_OFFSET = 4;

    static final int DATA_PREVIOUS_END_OFFSET = 8;
    static final int DATA_COUNT_OFFSET = 16;
    /** Bytes before a DATA frame's first entry. */
    public static final int DATA_HEADER_LENGTH = 24;
    static final int ENTRY_END_OFFSET = 0;
    static final int ENTRY_TYPE_ID_OFFSET = 8;
    static final int ENTRY_LENGTH_OFFSET = 12;
    /** Bytes before an entry's payload. */
    public static final int ENTRY_HEADER_LENGTH = 16;

    static final int MESSAGE_PREVIOUS_END_OFFSET = 8;
    static final int MESSAGE_END_OFFSET = 16;
    static final int MESSAGE_TYPE_ID_OFFSET = 24;
    static final int MESSAGE_LENGTH_OFFSET = 28;
    /** Bytes before a MESSAGE frame's payload. */
    public static final int MESSAGE_HEADER_LENGTH = 32;

    static final int HELLO_RELEASED_OFFSET = 8;
    static final int HELLO_EPOCH_OFFSET = 16;
    static final int HELLO_SENT_END_OFFSET = 24;
    static final int HELLO_INCARNATION_OFFSET = 32;
    static final int HELLO_KIND_OFFSET = 40;
    static final int HELLO_CAPACITY_OFFSET = 44;
    static final int HELLO_MAX_MESSAGE_OFFSET = 48;
    static final int HELLO_NAME_LENGTH_OFFSET = 52;
    static final int HELLO_NAME_OFFSET = 56;
    /** Longest queue name a HELLO carries, in UTF-8 bytes. */
    static final int MAX_NAME_BYTES = 255;

    static final int ACK_COMMITTED_OFFSET = 8;
    static final int ACK_EPOCH_OFFSET = 16;
    static final int ACK_FLAGS_OFFSET = 24;
    /** Length of an ACK frame. */
    public static final int ACK_LENGTH = 32;

    private BridgeFrame()
    {
    }

    /**
     * The type of the frame at {@code offset}, or 0 when it is too short or of another protocol version.
     *
     * @param buffer the frame's buffer.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link #DATA}, {@link #MESSAGE}, {@link #HELLO}, {@link #ACK} or 0.
     */
    public static int typeOf(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 8 || buffer.getInt(offset + VERSION_OFFSET) != VERSION)
        {
            return 0;
        }
        return buffer.getInt(offset + TYPE_OFFSET);
    }

    static void putDataHeader(
        final MutableDirectBuffer buffer, final int offset, final long previousEnd, final int count)
    {
        buffer.putInt(offset + TYPE_OFFSET, DATA);
        buffer.putInt(offset + VERSION_OFFSET, VERSION);
        buffer.putLong(offset + DATA_PREVIOUS_END_OFFSET, previousEnd);
        buffer.putInt(offset + DATA_COUNT_OFFSET, count);
        buffer.putInt(offset + DATA_COUNT_OFFSET + 4, 0);
    }

    static void putEntryHeader(
        final MutableDirectBuffer buffer, final int offset, final long end, final int typeId, final int length)
    {
        buffer.putLong(offset + ENTRY_END_OFFSET, end);
        buffer.putInt(offset + ENTRY_TYPE_ID_OFFSET, typeId);
        buffer.putInt(offset + ENTRY_LENGTH_OFFSET, length);
    }

    static void putMessageHeader(final MutableDirectBuffer buffer, final long previousEnd, final long end,
        final int typeId, final int length)
    {
        buffer.putInt(TYPE_OFFSET, MESSAGE);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putLong(MESSAGE_PREVIOUS_END_OFFSET, previousEnd);
        buffer.putLong(MESSAGE_END_OFFSET, end);
        buffer.putInt(MESSAGE_TYPE_ID_OFFSET, typeId);
        buffer.putInt(MESSAGE_LENGTH_OFFSET, length);
    }

    /**
     * Bytes an entry of a {@code length}-byte message takes in a DATA frame.
     *
     * @param length the message's length.
     * @return its entry's length, header and padding included.
     */
    static int entryLength(final int length)
    {
        return ENTRY_HEADER_LENGTH + ((length + 7) & ~7);
    }

    static int putHello(final MutableDirectBuffer buffer, final long released, final long epoch, final long sentEnd,
        final QueueShape shape)
    {
        final byte[] name = shape.name().getBytes(StandardCharsets.UTF_8);
        buffer.putInt(TYPE_OFFSET, HELLO);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putLong(HELLO_RELEASED_OFFSET, released);
        buffer.putLong(HELLO_EPOCH_OFFSET, epoch);
        buffer.putLong(HELLO_SENT_END_OFFSET, sentEnd);
        buffer.putLong(HELLO_INCARNATION_OFFSET, shape.incarnation());
        buffer.putInt(HELLO_KIND_OFFSET, shape.kind().code());
        buffer.putInt(HELLO_CAPACITY_OFFSET, shape.capacity());
        buffer.putInt(HELLO_MAX_MESSAGE_OFFSET, shape.maxMessageLength());
        buffer.putInt(HELLO_NAME_LENGTH_OFFSET, name.length);
        buffer.putBytes(HELLO_NAME_OFFSET, name);
        return HELLO_NAME_OFFSET + name.length;
    }

    /**
     * The queue shape a HELLO frame carries; the frame must have passed {@link DataStreamCheck#hello} (its name
     * inside it, a known ring kind).
     */
    static QueueShape helloShape(final DirectBuffer buffer, final int offset)
    {
        final byte[] name = new byte[buffer.getInt(offset + HELLO_NAME_LENGTH_OFFSET)];
        buffer.getBytes(offset + HELLO_NAME_OFFSET, name);
        return new QueueShape(new String(name, StandardCharsets.UTF_8),
            RingKind.fromCode(buffer.getInt(offset + HELLO_KIND_OFFSET)), buffer.getInt(offset + HELLO_CAPACITY_OFFSET),
            buffer.getInt(offset + HELLO_MAX_MESSAGE_OFFSET), buffer.getLong(offset + HELLO_INCARNATION_OFFSET));
    }

    static void putAck(final MutableDirectBuffer buffer, final long committed, final long epoch, final int flags)
    {
        buffer.putInt(TYPE_OFFSET, ACK);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putLong(ACK_COMMITTED_OFFSET, committed);
        buffer.putLong(ACK_EPOCH_OFFSET, epoch);
        buffer.putInt(ACK_FLAGS_OFFSET, flags);
        buffer.putInt(ACK_FLAGS_OFFSET + 4, 0);
    }
}
