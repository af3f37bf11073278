package io.shmq.bridge;

import io.shmq.layout.RecordDescriptor;
import io.shmq.layout.RingKind;
import org.agrona.DirectBuffer;

/**
 * Checks a frame from the data stream before the receiver acts on any of it: every length, count, type id and
 * position must be one a bridge sender could have written, or the whole frame is rejected (and counted, see
 * {@link RejectedFrames}). A frame is taken whole or not at all, so a malformed entry at its end cannot leave its
 * first entries committed. The arithmetic never overflows: lengths are compared with what remains of the frame,
 * and positions are checked to be non-negative before their differences are taken.
 *
 * <p>A sender writes positions of its ring: a message's end lies at least its record (header and payload) beyond
 * the end before it, and no position is negative.
 */
final class DataStreamCheck
{
    private final RejectedFrames rejected;
    private final int maxMessageLength;

    /**
     * @param rejected         where rejections are counted.
     * @param maxMessageLength the longest message the local queue takes.
     */
    DataStreamCheck(final RejectedFrames rejected, final int maxMessageLength)
    {
        this.rejected = rejected;
        this.maxMessageLength = maxMessageLength;
    }

    /**
     * Whether a DATA frame in one datagram is well formed: its count of entries fits its length, and each entry
     * lies inside the frame, with a user type id, a length the local queue takes and an end past its predecessor's.
     *
     * @return false when it was rejected.
     */
    boolean data(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < BridgeFrame.DATA_HEADER_LENGTH)
        {
            return reject("a DATA frame shorter than its header", length);
        }
        final int count = buffer.getInt(offset + BridgeFrame.DATA_COUNT_OFFSET);
        if (count < 1 || count > (length - BridgeFrame.DATA_HEADER_LENGTH) / BridgeFrame.ENTRY_HEADER_LENGTH)
        {
            return reject("a DATA frame whose count of entries does not fit its length", count);
        }
        long previousEnd = buffer.getLong(offset + BridgeFrame.DATA_PREVIOUS_END_OFFSET);
        if (previousEnd < 0)
        {
            return reject("a DATA frame with a negative previous end", previousEnd);
        }
        int at = BridgeFrame.DATA_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            // at <= length here: the entries before ended inside the frame.
            if (length - at < BridgeFrame.ENTRY_HEADER_LENGTH)
            {
                return reject("a DATA frame whose entries run past its end", i);
            }
            final int payload = buffer.getInt(offset + at + BridgeFrame.ENTRY_LENGTH_OFFSET);
            final int room = length - at - BridgeFrame.ENTRY_HEADER_LENGTH;
            if (payload < 0 || payload > room)
            {
                return reject("a DATA frame entry whose length runs past the frame", payload);
            }
            final long end = buffer.getLong(offset + at + BridgeFrame.ENTRY_END_OFFSET);
            if (!message(previousEnd, end, buffer.getInt(offset + at + BridgeFrame.ENTRY_TYPE_ID_OFFSET), payload))
            {
                return false;
            }
            previousEnd = end;
            // payload <= room: at stays below length + 8, and the check above catches an entry past the end.
            at += BridgeFrame.entryLength(payload);
        }
        return true;
    }

    /**
     * Whether the header of a MESSAGE frame is well formed. {@code whole}: the frame came in one datagram, and its
     * payload must be exactly the rest of it; otherwise this is the first of its fragments, and the payload must be
     * longer than what this fragment carries.
     *
     * @return false when it was rejected.
     */
    boolean messageHeader(final DirectBuffer buffer, final int offset, final int length, final boolean whole)
    {
        if (length < BridgeFrame.MESSAGE_HEADER_LENGTH)
        {
            return reject("a MESSAGE frame shorter than its header", length);
        }
        final int payload = buffer.getInt(offset + BridgeFrame.MESSAGE_LENGTH_OFFSET);
        final int carried = length - BridgeFrame.MESSAGE_HEADER_LENGTH;
        if (whole ? payload != carried : payload <= carried)
        {
            return reject(whole ? "a MESSAGE frame whose length is not that of its payload" :
                "a MESSAGE frame in fragments whose length is not more than its first fragment carries", payload);
        }
        final long previousEnd = buffer.getLong(offset + BridgeFrame.MESSAGE_PREVIOUS_END_OFFSET);
        if (previousEnd < 0)
        {
            return reject("a MESSAGE frame with a negative previous end", previousEnd);
        }
        return message(previousEnd, buffer.getLong(offset + BridgeFrame.MESSAGE_END_OFFSET),
            buffer.getInt(offset + BridgeFrame.MESSAGE_TYPE_ID_OFFSET), payload);
    }

    /**
     * Whether a HELLO frame is well formed: its name inside the frame and no longer than a queue name may be, a ring
     * kind this version knows, and no negative position, capacity or length. What it says is checked against the
     * local queue by the receiver.
     *
     * @return its queue's shape, or null when it was rejected.
     */
    QueueShape hello(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < BridgeFrame.HELLO_NAME_OFFSET)
        {
            reject("a HELLO frame shorter than its header", length);
            return null;
        }
        final int nameLength = buffer.getInt(offset + BridgeFrame.HELLO_NAME_LENGTH_OFFSET);
        if (nameLength < 0 || nameLength > BridgeFrame.MAX_NAME_BYTES ||
            nameLength > length - BridgeFrame.HELLO_NAME_OFFSET)
        {
            reject("a HELLO frame whose queue name does not fit it", nameLength);
            return null;
        }
        final int kind = buffer.getInt(offset + BridgeFrame.HELLO_KIND_OFFSET);
        if (RingKind.fromCode(kind) == null)
        {
            reject("a HELLO frame naming a ring kind this version does not know", kind);
            return null;
        }
        final int capacity = buffer.getInt(offset + BridgeFrame.HELLO_CAPACITY_OFFSET);
        final int maxMessage = buffer.getInt(offset + BridgeFrame.HELLO_MAX_MESSAGE_OFFSET);
        if (capacity <= 0 || maxMessage < 0)
        {
            reject("a HELLO frame with a ring capacity or a max message length below zero", Math.min(capacity,
                maxMessage));
            return null;
        }
        final long released = buffer.getLong(offset + BridgeFrame.HELLO_RELEASED_OFFSET);
        final long sentEnd = buffer.getLong(offset + BridgeFrame.HELLO_SENT_END_OFFSET);
        if (released < 0 || sentEnd < 0)
        {
            reject("a HELLO frame with a negative position", Math.min(released, sentEnd));
            return null;
        }
        return BridgeFrame.helloShape(buffer, offset);
    }

    private boolean message(final long previousEnd, final long end, final int typeId, final int payload)
    {
        if (typeId < RecordDescriptor.MIN_USER_MSG_TYPE_ID)
        {
            return reject("a message whose type id is not a user's", typeId);
        }
        if (payload > maxMessageLength)
        {
            return reject("a message longer than the local queue takes", payload);
        }
        // previousEnd >= 0: the difference cannot overflow.
        if (end < previousEnd || end - previousEnd < RecordDescriptor.HEADER_LENGTH + (long)payload)
        {
            return reject("a message whose end is not a record's length past its predecessor's", end);
        }
        return true;
    }

    private boolean reject(final String reason, final long value)
    {
        rejected.reject(reason, value);
        return false;
    }
}
