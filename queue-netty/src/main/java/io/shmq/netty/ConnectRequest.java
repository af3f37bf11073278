package io.shmq.netty;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A client's request for a connection, one message in the server's accept queue: the server builds the
 * connection's two rings under the id's name with the capacity asked for, then answers the client's HELLO on them.
 *
 * <pre>
 *   0               8              12             16              24
 *   +---------------+--------------+--------------+---------------+
 *   | connection id | ring capacity|   version    | client token  |
 *   +---------------+--------------+--------------+---------------+
 * </pre>
 */
final class ConnectRequest
{
    static final int MSG_TYPE_ID = 1;
    static final int VERSION = 1;
    static final int CONNECTION_ID_OFFSET = 0;
    static final int RING_CAPACITY_OFFSET = 8;
    static final int VERSION_OFFSET = 12;
    static final int CLIENT_TOKEN_OFFSET = 16;
    static final int LENGTH = 24;

    private ConnectRequest()
    {
    }

    static void encode(
        final MutableDirectBuffer buffer, final long connectionId, final int ringCapacity, final long clientToken)
    {
        buffer.putLong(CONNECTION_ID_OFFSET, connectionId);
        buffer.putInt(RING_CAPACITY_OFFSET, ringCapacity);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putLong(CLIENT_TOKEN_OFFSET, clientToken);
    }

    static boolean isValid(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        return msgTypeId == MSG_TYPE_ID && length == LENGTH && buffer.getInt(index + VERSION_OFFSET) == VERSION;
    }

    static long connectionId(final DirectBuffer buffer, final int index)
    {
        return buffer.getLong(index + CONNECTION_ID_OFFSET);
    }

    static int ringCapacity(final DirectBuffer buffer, final int index)
    {
        return buffer.getInt(index + RING_CAPACITY_OFFSET);
    }
}
