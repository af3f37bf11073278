package io.shmq.examples.sidecar;

/**
 * How the demo frames messages on the Unix domain socket: a socket is a byte stream, so each message is preceded
 * by its length (the rings keep message boundaries themselves).
 *
 * <pre>
 *   0        4                      4 + length
 *   +--------+----------------------+
 *   | length | message              |
 *   +--------+----------------------+
 * </pre>
 */
final class SocketFrames
{
    /** Length of the length prefix. */
    static final int HEADER_LENGTH = 4;

    private SocketFrames()
    {
    }
}
