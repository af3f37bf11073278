package io.shmq.layout;

/**
 * Binary layout of one record in the ring's data area.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-------------------------------------------------------------+
 *  |                 Record Length (commit word)                   |  0
 *  +---------------------------------------------------------------+
 *  |                       Message Type Id                         |  4
 *  +---------------------------------------------------------------+
 *  |                    Payload (Length - 8 bytes)                ...  8
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |                 Unused up to the record alignment             |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The first eight bytes are one little-endian 64-bit word: the low half is the record length (header plus
 * payload, unaligned), the high half the message type id. It is written with a single release store, so a reader
 * that loads it with acquire either sees a whole committed header (and then every payload byte) or no record.
 *
 * <ul>
 *   <li>length {@code 0}: nothing written here yet; the reader stops.</li>
 *   <li>length {@code < 0}: claimed by an MPSC producer, not committed; {@code -length} is the claimed length.</li>
 *   <li>length {@code >= 8}: committed. Type id {@link #PADDING_MSG_TYPE_ID} marks padding up to the wrap.</li>
 * </ul>
 *
 * <p>Where records lie (layout version 2). The queue's record alignment {@code A} (8 to 128 bytes, see
 * {@link QueueHeaderDescriptor#RECORD_ALIGNMENT_OFFSET}) is the size of a <em>slot</em>. In an MPSC ring every
 * record starts at a multiple of {@code A} and takes its length rounded up to {@code A}. In an SPSC ring a record
 * no longer than {@code A} does the same (it takes one slot); a longer one is <em>packed</em>: it starts at any
 * multiple of 8 and takes its length rounded up to 8 ({@link #span}), so a 1 KiB payload does not waste most of a
 * slot behind its 8-byte header. A padding record takes exactly its length, a multiple of 8: it fills the gap
 * before a record that must start in a slot, or the rest of the data area where a record would cross its end.
 */
public final class RecordDescriptor
{
    /** Length of the record header in bytes. */
    public static final int HEADER_LENGTH = 8;

    /** Offset of the 32-bit record length (the commit word) within a record. */
    public static final int LENGTH_OFFSET = 0;

    /** Offset of the 32-bit message type id within a record. */
    public static final int TYPE_OFFSET = 4;

    /** Message type id of a padding record, written where a record would not fit before the end of the ring. */
    public static final int PADDING_MSG_TYPE_ID = -1;

    /** Smallest message type id an application may use (negative ids are reserved, 0 is left unused). */
    public static final int MIN_USER_MSG_TYPE_ID = 1;

    /** Smallest and largest record alignment a queue may declare. */
    public static final int MIN_ALIGNMENT = 8;

    /** Largest record alignment a queue may declare. */
    public static final int MAX_ALIGNMENT = 128;

    private RecordDescriptor()
    {
    }

    /**
     * The header word of a record, as written by one 64-bit store.
     *
     * @param msgTypeId    message type id (high 32 bits).
     * @param recordLength record length including the header, negative while claimed (low 32 bits).
     * @return the 64-bit header word.
     */
    public static long headerWord(final int msgTypeId, final int recordLength)
    {
        return ((long)msgTypeId << 32) | (recordLength & 0xFFFF_FFFFL);
    }

    /**
     * The record length held in a header word.
     *
     * @param headerWord as read from the record's first 8 bytes.
     * @return the record length: 0 empty, negative claimed, positive committed.
     */
    public static int recordLength(final long headerWord)
    {
        return (int)headerWord;
    }

    /**
     * The message type id held in a header word.
     *
     * @param headerWord as read from the record's first 8 bytes.
     * @return the message type id.
     */
    public static int msgTypeId(final long headerWord)
    {
        return (int)(headerWord >>> 32);
    }

    /**
     * Offset of the payload of the record at {@code recordOffset}.
     *
     * @param recordOffset offset of the record header in the data area.
     * @return offset of the first payload byte.
     */
    public static int payloadOffset(final int recordOffset)
    {
        return recordOffset + HEADER_LENGTH;
    }

    /**
     * Bytes a record of {@code recordLength} takes in the ring: its length rounded up to 8 when it is packed, else
     * to the alignment. Not for padding records, which take exactly their length.
     *
     * @param recordLength header plus payload, positive.
     * @param alignment    the queue's record alignment.
     * @param packed       true in an SPSC ring (which packs records longer than the alignment).
     * @return the distance from this record's start to the next one's.
     */
    public static int span(final int recordLength, final int alignment, final boolean packed)
    {
        return align(recordLength, packed && recordLength > alignment ? MIN_ALIGNMENT : alignment);
    }

    /**
     * Whether a record of {@code recordLength} must start at a multiple of the alignment (every record of an MPSC
     * ring, and the records of an SPSC ring no longer than the alignment).
     *
     * @param recordLength header plus payload, positive.
     * @param alignment    the queue's record alignment.
     * @param packed       true in an SPSC ring.
     * @return true when it starts in a slot of its own.
     */
    public static boolean startsInSlot(final int recordLength, final int alignment, final boolean packed)
    {
        return !packed || recordLength <= alignment;
    }

    /**
     * Rounds {@code length} up to the next multiple of {@code alignment}.
     *
     * @param length    length in bytes, not negative.
     * @param alignment a power of two.
     * @return the aligned length.
     */
    public static int align(final int length, final int alignment)
    {
        return (length + alignment - 1) & -alignment;
    }
}
