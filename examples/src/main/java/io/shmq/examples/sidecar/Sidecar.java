package io.shmq.examples.sidecar;

import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelListener;
import io.shmq.rpc.RequestServer;
import io.shmq.wait.DoorbellIdleStrategy;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar JVM: serves quote requests through the {@link QuoteGateway} on a shmq channel and on a Unix domain
 * socket, one client each, each on its own thread, until that client closes. Arguments:
 * {@code channel-name socket-path}, or for the remote run {@code channel-name tcp:PORT --remote HOST-DIR UDP-PORT}
 * (the channel reached through a {@link RemoteSidecar#bridge bridge}, the socket over TCP).
 */
public final class Sidecar
{
    /** Ring capacity of each direction of the demo's channel. */
    static final int RING_CAPACITY = 1 << 20;
    /** Spins before an idle shmq sidecar yields, then sleeps on the futex: about 50 us of polling. */
    static final int IDLE_SPINS = 20_000;

    private Sidecar()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code channel-name socket-path [--remote host-dir udp-port]}.
     * @throws Exception when a transport cannot be served.
     */
    public static void main(final String[] args) throws Exception
    {
        final String channelName = args[0];
        final String socket = args[1];
        final boolean remote = args.length == 5 && "--remote".equals(args[2]);
        final Path host = remote ? Files.createDirectories(Path.of(args[3])) : null;
        if (!socket.startsWith(RemoteSidecar.TCP_PREFIX))
        {
            Files.deleteIfExists(Path.of(socket));
        }
        final ChannelConfig channelConfig = remote ? RemoteSidecar.channel(host) : ChannelConfig.of(RING_CAPACITY);
        try (ChannelListener listener = ChannelListener.listen(channelName, channelConfig);
            AutoCloseable bridge = remote ?
                RemoteSidecar.bridge(channelName, host, Integer.parseInt(args[4]), false) : () -> { };
            ServerSocketChannel socketServer = RemoteSidecar.listen(socket))
        {
            System.out.println("READY");

            // One client on each transport at once, each served by its own thread; the service alternates between
            // them, so the idle one sleeps (on the futex, or in read) while the other works.
            final QuoteGateway socketGateway = new QuoteGateway();
            final Throwable[] socketFailure = new Throwable[1];
            final Thread socketThread = new Thread(() ->
            {
                try (SocketChannel accepted = socketServer.accept())
                {
                    RemoteSidecar.noDelay(accepted);
                    serveSocket(accepted, socketGateway);
                }
                catch (final Throwable ex)
                {
                    socketFailure[0] = ex;
                }
            }, "socket-sidecar");
            socketThread.start();

            final QuoteGateway shmqGateway = new QuoteGateway();
            try (Channel channel = listener.accept(TimeUnit.SECONDS.toNanos(30)))
            {
                serveChannel(channel, shmqGateway, remote);
            }
            System.out.println("shmq channel done: " + shmqGateway.summary());
            socketThread.join();
            if (socketFailure[0] != null)
            {
                throw new IllegalStateException("socket sidecar failed", socketFailure[0]);
            }
            System.out.println("socket done: " + socketGateway.summary());
        }
        finally
        {
            if (!socket.startsWith(RemoteSidecar.TCP_PREFIX))
            {
                Files.deleteIfExists(Path.of(socket));
            }
        }
    }

    /**
     * Answers each request in place: the request is decoded where it lies in the ring and the response is encoded
     * straight into the claimed reply slot.
     */
    private static void serveChannel(final Channel channel, final QuoteGateway gateway, final boolean remote)
    {
        final QuoteRequest request = new QuoteRequest();
        final QuoteResponse response = new QuoteResponse();
        final RequestServer server = new RequestServer(channel, (type, buffer, index, length, reply) ->
        {
            request.wrapForDecode(buffer, index);
            final MutableDirectBuffer out = reply.claim(QuoteResponse.MSG_TYPE_ID, QuoteResponse.LENGTH);
            gateway.handle(request, response.wrapForEncode(out, reply.offset()));
            reply.commit();
        });
        // Spin a little (a busy service sends again within microseconds), then sleep on the futex at ~0% CPU.
        // Remote: yield rather than spin, the bridge's thread in this JVM needs the core to bring the next request.
        final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(channel, remote ? 0 : IDLE_SPINS,
            remote ? 2_000 : 10,
            TimeUnit.MILLISECONDS.toNanos(100));
        while (channel.isConnected())
        {
            idle.idle(server.poll(256));
        }
        // The service closed: answer nothing more, but take what it sent before closing.
        server.poll(Integer.MAX_VALUE);
    }

    /**
     * A classic socket loop: blocking reads of whatever arrived, each whole frame handled, the answers written back
     * in one write.
     */
    private static void serveSocket(final SocketChannel socket, final QuoteGateway gateway) throws IOException
    {
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer inView = new UnsafeBuffer(in);
        final UnsafeBuffer outView = new UnsafeBuffer(out);
        final QuoteRequest request = new QuoteRequest();
        final QuoteResponse response = new QuoteResponse();
        while (socket.read(in) >= 0)
        {
            in.flip();
            while (in.remaining() >= SocketFrames.HEADER_LENGTH + QuoteRequest.LENGTH &&
                out.remaining() >= SocketFrames.HEADER_LENGTH + QuoteResponse.LENGTH)
            {
                final int length = in.getInt(in.position());
                if (length != QuoteRequest.LENGTH)
                {
                    throw new IOException("bad frame length " + length);
                }
                request.wrapForDecode(inView, in.position() + SocketFrames.HEADER_LENGTH);
                out.putInt(out.position(), QuoteResponse.LENGTH);
                gateway.handle(request, response.wrapForEncode(outView, out.position() + SocketFrames.HEADER_LENGTH));
                in.position(in.position() + SocketFrames.HEADER_LENGTH + QuoteRequest.LENGTH);
                out.position(out.position() + SocketFrames.HEADER_LENGTH + QuoteResponse.LENGTH);
            }
            in.compact();
            out.flip();
            while (out.hasRemaining())
            {
                socket.write(out);
            }
            out.clear();
        }
    }
}
