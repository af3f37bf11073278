package io.shmq.bridge.support;

import io.shmq.channel.Channel;
import io.shmq.channel.ChannelListener;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
