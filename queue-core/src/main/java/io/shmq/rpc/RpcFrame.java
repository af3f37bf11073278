package io.shmq.rpc;

/**
 * How a request or a response sits in a channel message: the correlation id first, the body after it. The
 * message type id is the caller's (request type, response type).
 *
 * <pre>
 *   0                8                      length
 *   +----------------+----------------------+
 *   | correlation id | body                 |
 *   +----------------+----------------------+
 * </pre>
 * A response carries the id of the request it answers; ids are positive and count up per client.
 */
public final class RpcFrame
{
    /** Offset of the correlation id. */
    public static final int CORRELATION_ID_OFFSET = 0;
    /** Offset of the body. */
    public static final int BODY_OFFSET = 8;

    private RpcFrame()
    {
    }
}
