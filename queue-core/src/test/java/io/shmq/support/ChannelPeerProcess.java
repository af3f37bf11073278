package io.shmq.support;

import io.shmq.QueueConfig;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelListener;
import io.shmq.rpc.RequestClient;
import io.shmq.rpc.RequestServer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM: one side of a channel. Arguments: {@code role directory name}, role being
 * <ul>
 *   <li>{@code client}: connects, prints {@code CONNECTED}, then waits for messages (heartbeating) until the
 *   channel ends or it is killed;</li>
 *   <li>{@code server}: listens, prints {@code LISTENING}, accepts one client and answers each request with its
 *   body's first long times 3 (type 2), until the client closes; exits 0;</li>
 *   <li>{@code silent-server}: listens, accepts, takes requests and never answers; waits to be killed.</li>
 * </ul>
 */
public final class ChannelPeerProcess
{
    /** Ring capacity of the test channels. */
    public static final int CAPACITY = 64 * 1024;

    private ChannelPeerProcess()
    {
    }

    /**
     * The configuration both sides use.
     *
     * @param directory the test's queue directory.
     * @return the channel configuration.
     */
    public static ChannelConfig config(final Path directory)
    {
        return ChannelConfig.of(QueueConfig.spsc(CAPACITY).withDirectory(directory));
    }

    /**
     * Asks a {@code server} of this class one question, blocking: it answers with the value times 3.
     *
     * @param client a client over a channel to such a server.
     * @param value  the value to send.
     * @return the server's answer.
     * @throws IllegalStateException when no answer came within 5 s.
     */
    public static long askTripled(final RequestClient client, final long value)
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[Long.BYTES]);
        body.putLong(0, value);
        final long[] answer = { 0 };
        if (!client.request(1, body, 0, Long.BYTES, (id, type, buffer, index, length) ->
            answer[0] = buffer.getLong(index), TimeUnit.SECONDS.toNanos(5)))
        {
            throw new IllegalStateException("no answer to " + value + " within 5 s");
        }
        return answer[0];
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     * @throws InterruptedException never in practice.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final ChannelConfig config = config(Path.of(args[1]));
        final String name = args[2];
        switch (args[0])
        {
            case "client" ->
            {
                final Channel channel = Channel.connect(name, config, TimeUnit.SECONDS.toNanos(30));
                System.out.println("CONNECTED");
                // An idle client: waiting keeps its heartbeat fresh, as any polling side does.
                while (channel.isConnected())
                {
                    if (channel.poll((type, buffer, index, length) -> { }, 64) == 0)
                    {
                        channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                }
                System.exit(0);
            }
            case "server" ->
            {
                try (ChannelListener listener = ChannelListener.listen(name, config))
                {
                    System.out.println("LISTENING");
                    try (Channel channel = listener.accept(TimeUnit.SECONDS.toNanos(30)))
                    {
                        final RequestServer server = new RequestServer(channel, (type, buffer, index, length, reply) ->
                        {
                            final MutableDirectBuffer out = reply.claim(2, 8);
                            out.putLong(reply.offset(), buffer.getLong(index) * 3);
                            reply.commit();
                        });
                        while (channel.isConnected())
                        {
                            if (server.poll(64) == 0)
                            {
                                channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(100));
                            }
                        }
                        System.out.println("ENDED " + channel.state());
                    }
                }
            }
            case "silent-server" ->
            {
                final ChannelListener listener = ChannelListener.listen(name, config);
                System.out.println("LISTENING");
                final Channel channel = listener.accept(TimeUnit.SECONDS.toNanos(30));
                System.out.println("ACCEPTED");
                while (true)
                {
                    if (channel.poll((type, buffer, index, length) -> { }, 64) == 0)
                    {
                        channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown role " + args[0]);
        }
        System.exit(0);
    }
}
