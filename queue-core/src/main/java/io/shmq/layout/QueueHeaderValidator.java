package io.shmq.layout;

import io.shmq.errors.InvalidQueueException;
import org.agrona.DirectBuffer;

/**
 * The one place that says what a queue's shape may be and whether a header is the queue a caller expects: the
 * config checks its parameters here, the ring checks its geometry here, and opening a queue checks the header
 * here. Each refusal names the field, the value expected and the value found.
 */
public final class QueueHeaderValidator
{
    /** Smallest data capacity. */
    public static final int MIN_CAPACITY = 1024;

    /** Largest data capacity (a mapping is limited to 2 GiB, the header comes on top). */
    public static final int MAX_CAPACITY = 1 << 30;

    private QueueHeaderValidator()
    {
    }

    /**
     * The largest max message length a capacity allows: a record of it fills an eighth of the ring.
     *
     * @param capacity data area in bytes.
     * @return {@code capacity / 8 - 8}.
     */
    public static int maxMessageLengthLimit(final int capacity)
    {
        return capacity / 8 - RecordDescriptor.HEADER_LENGTH;
    }

    /**
     * Why a capacity cannot be, or null when it can.
     *
     * @param capacity data area in bytes.
     * @return the reason, or null.
     */
    public static String capacityProblem(final int capacity)
    {
        return capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1 ?
            "capacity must be a power of two from " + MIN_CAPACITY + " to " + MAX_CAPACITY + ": " + capacity : null;
    }

    /**
     * Why a record alignment cannot be, or null when it can.
     *
     * @param alignment record alignment in bytes.
     * @return the reason, or null.
     */
    public static String alignmentProblem(final int alignment)
    {
        return Integer.bitCount(alignment) != 1 || alignment < RecordDescriptor.MIN_ALIGNMENT ||
            alignment > RecordDescriptor.MAX_ALIGNMENT ? "record alignment must be a power of two from " +
            RecordDescriptor.MIN_ALIGNMENT + " to " + RecordDescriptor.MAX_ALIGNMENT + ": " + alignment : null;
    }

    /**
     * Why a max message length cannot be, for a valid capacity, or null when it can.
     *
     * @param maxMessageLength largest payload in bytes.
     * @param capacity         data area in bytes.
     * @return the reason, or null.
     */
    public static String maxMessageLengthProblem(final int maxMessageLength, final int capacity)
    {
        return maxMessageLength < 0 || maxMessageLength > maxMessageLengthLimit(capacity) ?
            "max message length must be from 0 to capacity / 8 - 8 = " + maxMessageLengthLimit(capacity) +
            " for capacity " + capacity + ": " + maxMessageLength + " (raise the capacity for larger messages)" : null;
    }

    /**
     * Throws when capacity, alignment or max message length cannot make a queue.
     *
     * @param capacity         data area in bytes.
     * @param alignment        record alignment.
     * @param maxMessageLength largest payload.
     * @throws IllegalArgumentException naming the first parameter that cannot be.
     */
    public static void checkShape(final int capacity, final int alignment, final int maxMessageLength)
    {
        String problem = capacityProblem(capacity);
        if (problem == null)
        {
            problem = alignmentProblem(alignment);
        }
        if (problem == null)
        {
            problem = maxMessageLengthProblem(maxMessageLength, capacity);
        }
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Throws unless a file or segment is long enough to hold what the caller will read from it (at least a queue
     * header): checked before anything is mapped, since touching a mapping past its file's end is a SIGBUS.
     *
     * @param size      the file's or segment's size in bytes.
     * @param minLength the smallest acceptable size, the queue header's length or more.
     * @param where     the file or segment, for the message.
     * @throws InvalidQueueException saying it is too short to be a queue.
     */
    public static void checkRegionLength(final long size, final int minLength, final String where)
    {
        if (size < minLength)
        {
            throw new InvalidQueueException(where + " is " + size + " bytes, shorter than the " + minLength +
                "-byte queue header: not a shmq queue, or truncated");
        }
    }

    /**
     * Whether a buffer starts with a shmq queue header of any layout version.
     *
     * @param header a buffer over at least the header.
     * @return true when the magic word is shmq's.
     */
    public static boolean hasMagic(final DirectBuffer header)
    {
        return header.capacity() >= QueueHeaderDescriptor.HEADER_LENGTH &&
            header.getLong(QueueHeaderDescriptor.MAGIC_OFFSET) == QueueHeaderDescriptor.MAGIC;
    }

    /**
     * Whether a buffer starts with a header this version of shmq can read (magic and layout version).
     *
     * @param header a buffer over at least the header.
     * @return true for a shmq header of {@link QueueHeaderDescriptor#LAYOUT_VERSION}.
     */
    public static boolean isReadable(final DirectBuffer header)
    {
        return hasMagic(header) &&
            header.getInt(QueueHeaderDescriptor.LAYOUT_VERSION_OFFSET) == QueueHeaderDescriptor.LAYOUT_VERSION;
    }

    /**
     * Throws unless the magic word is a shmq queue's or still 0 (a header being written).
     *
     * @param header      the header.
     * @param description the queue, for the message.
     * @throws InvalidQueueException when it is not a shmq queue.
     */
    public static void checkMagic(final QueueHeader header, final String description)
    {
        final long magic = header.magic();
        if (magic != 0 && magic != QueueHeaderDescriptor.MAGIC)
        {
            throw mismatch(description, "magic", hex(QueueHeaderDescriptor.MAGIC), hex(magic), "not a shmq queue");
        }
    }

    /**
     * Throws unless a ready header describes exactly the expected queue and its region holds it.
     *
     * @param header           the header, its ready word seen.
     * @param regionLength     bytes mapped.
     * @param kind             expected ring kind.
     * @param capacity         expected capacity.
     * @param alignment        expected record alignment.
     * @param maxMessageLength expected max message length.
     * @param nameHash         hash of the expected name (a header records 0 when it holds no name).
     * @param description      the queue, for messages.
     * @throws InvalidQueueException naming the field, expected and found value.
     */
    public static void checkMatches(
        final QueueHeader header,
        final long regionLength,
        final RingKind kind,
        final int capacity,
        final int alignment,
        final int maxMessageLength,
        final long nameHash,
        final String description)
    {
        if (header.layoutVersion() != QueueHeaderDescriptor.LAYOUT_VERSION)
        {
            throw mismatch(description, "layout version", QueueHeaderDescriptor.LAYOUT_VERSION,
                header.layoutVersion(), "made by another shmq version");
        }
        if (header.headerLength() != QueueHeaderDescriptor.HEADER_LENGTH)
        {
            throw mismatch(description, "header length", QueueHeaderDescriptor.HEADER_LENGTH, header.headerLength(),
                "corrupt header");
        }
        final RingKind foundKind = RingKind.fromCode(header.ringKindCode());
        if (foundKind != kind)
        {
            throw mismatch(description, "ring kind", kind,
                foundKind == null ? "unknown code " + header.ringKindCode() : foundKind,
                "open it with the kind it was created with");
        }
        final int foundCapacity = header.capacity();
        if (capacityProblem(foundCapacity) != null)
        {
            throw mismatch(description, "capacity", capacity, foundCapacity, capacityProblem(foundCapacity));
        }
        if (foundCapacity != capacity)
        {
            throw mismatch(description, "capacity", capacity, foundCapacity,
                "open it with the capacity it was created with");
        }
        final int foundAlignment = header.recordAlignment();
        if (foundAlignment != alignment)
        {
            throw mismatch(description, "record alignment", alignment, foundAlignment,
                alignmentProblem(foundAlignment) != null ? alignmentProblem(foundAlignment) :
                "open it with the record alignment it was created with");
        }
        if (header.maxMessageLength() != maxMessageLength)
        {
            throw mismatch(description, "max message length", maxMessageLength, header.maxMessageLength(),
                "open it with the max message length it was created with");
        }
        final long foundHash = header.nameHash();
        if (foundHash != 0 && foundHash != nameHash)
        {
            throw mismatch(description, "name hash", hex(nameHash), hex(foundHash),
                "this region holds another queue: a SysV key collision, or a renamed queue file");
        }
        final long needed = (long)QueueHeaderDescriptor.HEADER_LENGTH + foundCapacity;
        if (regionLength < needed)
        {
            throw mismatch(description, "region length", needed, regionLength,
                "shorter than header plus capacity: truncated");
        }
    }

    private static InvalidQueueException mismatch(
        final String description, final String field, final Object expected, final Object found, final String hint)
    {
        return new InvalidQueueException(description + ": field '" + field + "' expected " + expected + ", found " +
            found + " (" + hint + ")");
    }

    private static String hex(final long value)
    {
        return "0x" + Long.toHexString(value);
    }
}
