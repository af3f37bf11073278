package io.shmq.channel;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The channel's own messages, sent on the same rings as the user's, with message type ids above
 * {@link #MAX_USER_MSG_TYPE_ID}. Each carries the connection id the client chose, so a message of an earlier
 * connection (left in a ring by a process that died) is told from one of the current connection.
 *
 * <pre>
 *   0               8               16
 *   +---------------+---------------+
 *   | connection id | sender token  |   HELLO (client to server), WELCOME (server to client), CLOSE (either)
 *   +---------------+---------------+
 * </pre>
 * The sender token is the sender's process identity (pid and start time), for messages naming the peer.
 */
public final class ChannelControl
{
    /** The largest message type id a channel user may send; the ids above are the channel's. */
    public static final int MAX_USER_MSG_TYPE_ID = Integer.MAX_VALUE - 256;
    /** The client's first message on a new connection. */
    public static final int HELLO_MSG_TYPE_ID = Integer.MAX_VALUE - 2;
    /** The server's answer to a HELLO: the connection is established. */
    public static final int WELCOME_MSG_TYPE_ID = Integer.MAX_VALUE - 1;
    /** The last message of a side that closes the channel. */
    public static final int CLOSE_MSG_TYPE_ID = Integer.MAX_VALUE;
    /** Offset of the connection id. */
    public static final int CONNECTION_ID_OFFSET = 0;
    /** Offset of the sender's process token. */
    public static final int SENDER_TOKEN_OFFSET = 8;
    /** Length of every control message. */
    public static final int LENGTH = 16;

    private ChannelControl()
    {
    }

    /**
     * Whether a message type id is the channel's.
     *
     * @param msgTypeId a received message's type.
     * @return true for HELLO, WELCOME, CLOSE and the ids reserved for later ones.
     */
    public static boolean isControl(final int msgTypeId)
    {
        return msgTypeId > MAX_USER_MSG_TYPE_ID;
    }

    static void encode(final MutableDirectBuffer buffer, final long connectionId, final long senderToken)
    {
        buffer.putLong(CONNECTION_ID_OFFSET, connectionId);
        buffer.putLong(SENDER_TOKEN_OFFSET, senderToken);
    }

    static long connectionId(final DirectBuffer buffer, final int index, final int length)
    {
        return length >= LENGTH ? buffer.getLong(index + CONNECTION_ID_OFFSET) : 0;
    }
}
