package io.shmq.bridge.support;

import io.shmq.channel.Channel;
import io.shmq.channel.ChannelListener;
import io.shmq.channel.ChannelState;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Answers each request (type t, a long n) with type t + 1 and n * 2, for each client in turn, until stopped
 * (and joined: the listener must not be closed under its thread).
 */
public final class EchoServer implements AutoCloseable
{
    private final ChannelListener listener;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread = new Thread(this::run, "echo-server");
    private volatile boolean running = true;

    /**
     * Starts answering on {@code listener}'s connections.
     *
     * @param listener the server's listener; closed by the caller after this server.
     */
    public EchoServer(final ChannelListener listener)
    {
        this.listener = listener;
        thread.setDaemon(true);
        thread.start();
    }

    private void run()
    {
        final UnsafeBuffer answer = new UnsafeBuffer(new byte[8]);
        try
        {
            while (running)
            {
                final Channel accepted = listener.tryAccept();
                if (accepted == null)
                {
                    Thread.sleep(1);
                    continue;
                }
                try (Channel channel = accepted)
                {
                    clients.incrementAndGet();
                    while (running && channel.isConnected())
                    {
                        final int read = channel.poll((type, buffer, index, length) ->
                        {
                            answer.putLong(0, buffer.getLong(index) * 2);
                            while (!channel.offer(type + 1, answer, 0, 8))
                            {
                                Thread.onSpinWait();
                            }
                        }, 64);
                        if (read == 0)
                        {
                            channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(10));
                        }
                    }
                }
            }
        }
        catch (final Throwable ex)
        {
            failure.set(ex);
        }
    }

    /**
     * A client's side of the exchange this server answers: sends {@code count} requests (type 5) numbered from
     * {@code first}, at most 100 unanswered, and checks every answer (type 6, twice the number, in order, once)
     * while the channel stays connected, within 60 s.
     *
     * @param client the connected client.
     * @param first  the first request's number.
     * @param count  how many requests.
     * @return the number after the last.
     */
    public static long exchange(final Channel client, final long first, final int count)
    {
        final UnsafeBuffer request = new UnsafeBuffer(new byte[8]);
        final long[] expected = { first };
        long next = first;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (expected[0] < first + count)
        {
            if (next < first + count && next - expected[0] < 100)
            {
                request.putLong(0, next);
                if (client.offer(5, request, 0, 8))
                {
                    next++;
                }
            }
            if (client.poll((type, buffer, index, length) ->
            {
                assertEquals(6, type, "the answer's type");
                assertEquals(expected[0] * 2, buffer.getLong(index), "answers in order, once, of this connection");
                expected[0]++;
            }, 64) == 0)
            {
                client.awaitMessages(TimeUnit.MILLISECONDS.toNanos(1));
            }
            if (System.nanoTime() > deadline)
            {
                fail("only " + (expected[0] - first) + " of " + count + " answers came");
            }
            assertEquals(ChannelState.CONNECTED, client.state(), "the connection ended before its answers");
        }
        return next;
    }

    /**
     * How many connections the server accepted.
     *
     * @return the count.
     */
    public int clients()
    {
        return clients.get();
    }

    /**
     * What stopped the server's thread, or null.
     *
     * @return the failure, or null.
     */
    public Throwable failure()
    {
        return failure.get();
    }

    @Override
    public void close()
    {
        running = false;
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
