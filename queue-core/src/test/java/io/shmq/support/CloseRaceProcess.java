package io.shmq.support;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelClosedException;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelConnector;
import io.shmq.channel.ChannelListener;
import io.shmq.channel.ChannelState;
import io.shmq.errors.QueueClosedException;
import io.shmq.layout.RingKind;
import io.shmq.region.MappingGuard;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM that races closes against every call of one endpoint kind: in each iteration, threads offer, claim,
 * read and wait at random on a fresh queue (or client channel) while another thread closes it after a random
 * delay (sometimes one endpoint first, sometimes from inside a handler). Every call must return or throw a
 * {@link QueueClosedException}; anything else is printed and ends the run with exit 1. A crash of this JVM is
 * what the parent looks for too (its exit status and {@code hs_err} file).
 *
 * <p>Arguments: {@code KIND ITERATIONS SEED DIRECTORY MODE}, KIND {@code spsc|mpsc|channel|listener|server|
 * connector} (a client channel closed beside its sending and polling threads; a listener closed beside its
 * accepted channel's; an accepted channel closed beside its own, then the next client accepted and checked while
 * they may still run; a connection in progress closed beside its polling thread, the listener accepting), MODE
 * {@code guarded} or {@code unsafe} (unmaps at once, as the code did before the guard: the parent expects this to crash).
 * Prints {@code races=N inside=M unexpected=0} at the end.
 */
public final class CloseRaceProcess
{
    private static final int CAPACITY = 64 * 1024;
    private static final int SERVER_CLOSES_PER_LISTENER = 10;
    private static final int CHECK_TYPE = 7;

    private CloseRaceProcess()
    {
    }

    /**
     * Runs the races.
     *
     * @param args kind, iterations, seed, directory, mode.
     * @throws Exception when the setup fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final String kind = args[0];
        final int iterations = Integer.parseInt(args[1]);
        final long seed = Long.parseLong(args[2]);
        final SplittableRandom random = new SplittableRandom(seed);
        final Path directory = Path.of(args[3]);
        final boolean unsafe = "unsafe".equals(args[4]);
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();
        if (unsafe)
        {
            // As before the guard: the memory goes away at once, whoever is inside.
            MappingGuard.testOnlyCloseHook(MappingGuard::testOnlyReleaseNow);
        }
        for (int i = 0; i < iterations && unexpected.get() == null; i++)
        {
            if ("channel".equals(kind))
            {
                channelRace(directory, "race" + seed + "-" + i, random.split(), unexpected);
            }
            else if ("listener".equals(kind))
            {
                listenerRace(directory, "race" + seed + "-" + i, random.split(), unexpected);
            }
            else if ("connector".equals(kind))
            {
                connectorRace(directory, "race" + seed + "-" + i, random.split(), unexpected);
            }
            else if ("server".equals(kind))
            {
                final int closes = Math.min(SERVER_CLOSES_PER_LISTENER, iterations - i);
                serverRace(directory, "race" + seed + "-" + i, closes, random.split(), unexpected);
                i += closes - 1;
            }
            else
            {
                queueRace(kind, directory, "race" + seed + "-" + i, random.split(), unexpected);
            }
        }
        final long inside = MappingGuard.closesWhileInside();
        final Throwable failure = unexpected.get();
        System.out.println("races=" + iterations + " inside=" + inside + " unexpected=" + (failure == null ? 0 : 1));
        if (failure != null)
        {
            failure.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void queueRace(
        final String kind,
        final Path directory,
        final String name,
        final SplittableRandom random,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        final QueueConfig config = ("mpsc".equals(kind) ? QueueConfig.mpsc(CAPACITY) : QueueConfig.spsc(CAPACITY))
            .withDirectory(directory);
        final ShmQueue queue = ShmQueue.create(name, config);
        final RingConsumer consumer = queue.consumer();
        final int producers = queue.kind() == RingKind.MPSC ? 2 : 1;
        final List<Thread> threads = new ArrayList<>();
        final RingProducer producer = queue.producer();
        for (int p = 0; p < producers; p++)
        {
            final SplittableRandom own = random.split();
            threads.add(RaceThreads.start(() -> produce(producer, own), unexpected));
        }
        final SplittableRandom consumerRandom = random.split();
        final int closeInHandler = random.nextInt(8) == 0 ? 1 + random.nextInt(50) : -1;
        threads.add(RaceThreads.start(() -> consume(queue, consumer, consumerRandom, closeInHandler), unexpected));
        pause(random.nextInt(3000));
        final int choice = random.nextInt(4);
        if (choice == 0)
        {
            producer.close();
        }
        else if (choice == 1)
        {
            consumer.close();
        }
        queue.close();
        join(threads);
        ShmQueue.delete(name, directory);
    }

    private static void channelRace(
        final Path directory,
        final String name,
        final SplittableRandom random,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        final ChannelConfig config = channelConfig(directory);
        final List<Thread> threads = new ArrayList<>();
        try (ChannelListener listener = ChannelListener.listen(name, config))
        {
            final Connection connection = connect(listener, name, config, 0);
            final Channel client = connection.client();
            final Channel serverSide = connection.server();
            threads.add(RaceThreads.start(() -> send(client, random.split()), unexpected));
            final SplittableRandom pollRandom = random.split();
            threads.add(RaceThreads.start(() -> pollChannel(client, pollRandom), unexpected));
            final AtomicLong echoed = new AtomicLong();
            final Thread echo = RaceThreads.start(() -> echo(serverSide, echoed), unexpected);
            pause(random.nextInt(3000));
            client.close();
            join(threads);
            echo.join();
            serverSide.close();
        }
    }

    private static void listenerRace(
        final Path directory,
        final String name,
        final SplittableRandom random,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        final ChannelConfig config = channelConfig(directory);
        final List<Thread> threads = new ArrayList<>();
        final ChannelListener listener = ChannelListener.listen(name, config);
        final Connection connection = connect(listener, name, config, 0);
        try (Channel client = connection.client())
        {
            final Channel serverSide = connection.server();
            threads.add(RaceThreads.start(() -> send(serverSide, random.split()), unexpected));
            final SplittableRandom pollRandom = random.split();
            threads.add(RaceThreads.start(() -> pollChannel(serverSide, pollRandom), unexpected));
            final Thread echo = RaceThreads.start(() -> echo(client, new AtomicLong()), unexpected);
            pause(random.nextInt(3000));
            listener.close();
            join(threads);
            client.close();
            echo.join();
        }
    }

    /**
     * A connection in progress closed by another thread while its own polls it and the listener accepts: each poll
     * returns null or the channel, or (once closed) throws {@link ChannelClosedException}.
     */
    private static void connectorRace(
        final Path directory,
        final String name,
        final SplittableRandom random,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        final ChannelConfig config = channelConfig(directory);
        final List<Thread> threads = new ArrayList<>();
        try (ChannelListener listener = ChannelListener.listen(name, config))
        {
            final ChannelConnector connecting = ChannelConnector.start(name, config);
            final AtomicBoolean over = new AtomicBoolean();
            threads.add(RaceThreads.start(() ->
            {
                try
                {
                    Channel client;
                    while ((client = connecting.poll()) == null)
                    {
                        Thread.onSpinWait();
                    }
                    client.close();
                }
                catch (final ChannelClosedException closed)
                {
                    // The close came first.
                }
                finally
                {
                    over.set(true);
                }
            }, unexpected));
            threads.add(RaceThreads.start(() ->
            {
                while (!over.get())
                {
                    final Channel server = listener.tryAccept();
                    if (server != null)
                    {
                        server.close();
                    }
                }
            }, unexpected));
            pause(random.nextInt(1000));
            connecting.close();
            join(threads);
        }
    }

    /**
     * One listener, {@code closes} connections in turn: each accepted channel is closed by a third thread while its
     * sending and polling threads run, and the next client is accepted while they may still be inside. The first
     * message of every connection is checked at the server: a session that sent beside another would corrupt it.
     */
    private static void serverRace(
        final Path directory,
        final String name,
        final int closes,
        final SplittableRandom random,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        final ChannelConfig config = channelConfig(directory);
        List<Thread> previous = List.of();
        try (ChannelListener listener = ChannelListener.listen(name, config))
        {
            for (int c = 0; c <= closes; c++)
            {
                final Connection connection = connect(listener, name, config, c);
                final Channel client = connection.client();
                final Channel serverSide = connection.server();
                join(previous);
                checkFirstMessage(client, serverSide, c);
                if (c == closes)
                {
                    // The last connection only checks that the one before left the rings in order.
                    serverSide.close();
                    client.close();
                    break;
                }
                final List<Thread> threads = new ArrayList<>();
                threads.add(RaceThreads.start(() -> send(serverSide, random.split()), unexpected));
                final SplittableRandom pollRandom = random.split();
                threads.add(RaceThreads.start(() -> pollChannel(serverSide, pollRandom), unexpected));
                final Thread echo = RaceThreads.start(() -> echo(client, new AtomicLong()), unexpected);
                pause(random.nextInt(3000));
                serverSide.close();
                // The client learns of the close from the CLOSE the session sends after its last message.
                join(List.of(echo));
                if (client.state() != ChannelState.PEER_CLOSED)
                {
                    throw new AssertionError("connection " + c + ": the client saw " + client.state() +
                        " after the server closed, not PEER_CLOSED");
                }
                client.close();
                previous = threads;
            }
        }
        finally
        {
            join(previous);
        }
    }

    private static ChannelConfig channelConfig(final Path directory)
    {
        return ChannelConfig.of(QueueConfig.spsc(CAPACITY).withDirectory(directory));
    }

    /** A client connected to {@code listener} and its accepted server side. */
    private record Connection(Channel client, Channel server)
    {
    }

    /**
     * Connects a client while another thread accepts it: the listener's accept and the client's connect wait for
     * each other.
     */
    private static Connection connect(
        final ChannelListener listener, final String name, final ChannelConfig config, final int connection)
        throws InterruptedException
    {
        final AtomicReference<Object> accepted = new AtomicReference<>();
        final Thread accepter = new Thread(() ->
        {
            try
            {
                accepted.set(listener.accept(TimeUnit.SECONDS.toNanos(30)));
            }
            catch (final RuntimeException ex)
            {
                accepted.set(ex);
            }
        });
        accepter.start();
        final Channel client = Channel.connect(name, config, TimeUnit.SECONDS.toNanos(30));
        accepter.join();
        if (!(accepted.get() instanceof Channel))
        {
            client.close();
            throw new AssertionError("connection " + connection + " was not accepted", (Throwable)accepted.get());
        }
        return new Connection(client, (Channel)accepted.get());
    }

    private static void checkFirstMessage(final Channel client, final Channel server, final int connection)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[48]);
        for (int i = 0; i < message.capacity(); i += 8)
        {
            message.putLong(i, connection * 1_000L + i);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        final MessageHandler none = (type, buffer, index, length) ->
        {
            throw new AssertionError("connection " + connection + ": a message of type " + type + " before the first");
        };
        // The previous client may have left the ring full: the accept skipped that, and the server's first poll
        // releases it.
        while (!client.offer(CHECK_TYPE, message, 0, message.capacity()))
        {
            server.poll(none, 1);
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("connection " + connection + ": no room for a first message in 10 s");
            }
        }
        final int[] seen = { 0 };
        while (seen[0] == 0)
        {
            server.poll((type, buffer, index, length) ->
            {
                if (type != CHECK_TYPE || length != message.capacity())
                {
                    throw new AssertionError("connection " + connection + ": first message type " + type +
                        ", length " + length);
                }
                for (int i = 0; i < length; i += 8)
                {
                    if (buffer.getLong(index + i) != connection * 1_000L + i)
                    {
                        throw new AssertionError("connection " + connection + ": first message damaged at " + i);
                    }
                }
                seen[0]++;
            }, 1);
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("connection " + connection + ": its first message never arrived");
            }
        }
    }

    private static void produce(final RingProducer producer, final SplittableRandom random)
    {
        final UnsafeBuffer source = new UnsafeBuffer(new byte[4000]);
        final SlotClaim claim = new SlotClaim();
        try
        {
            while (true)
            {
                final int length = 1 + random.nextInt(4000);
                switch (random.nextInt(5))
                {
                    case 0:
                        if (producer.claim(1, length, claim))
                        {
                            claim.buffer().putLong(claim.offset(), length);
                            if (random.nextBoolean())
                            {
                                claim.commit();
                            }
                            else
                            {
                                claim.abort();
                            }
                        }
                        break;
                    case 1:
                        producer.awaitSpace(length, TimeUnit.MILLISECONDS.toNanos(1));
                        break;
                    default:
                        source.putLong(0, length);
                        producer.offer(1, source, 0, length);
                        break;
                }
            }
        }
        catch (final QueueClosedException closed)
        {
            // The outcome every call may have once the queue is closed.
        }
    }

    private static void consume(
        final ShmQueue queue, final RingConsumer consumer, final SplittableRandom random, final int closeInHandler)
    {
        final long[] sum = { 0, 0 };
        try
        {
            while (true)
            {
                switch (random.nextInt(4))
                {
                    case 0:
                        consumer.awaitMessages(TimeUnit.MILLISECONDS.toNanos(1));
                        break;
                    case 1:
                        consumer.controlledRead((type, buffer, index, length) ->
                        {
                            sum[0] += buffer.getByte(index + length - 1);
                            return ControlledMessageHandler.Action.CONTINUE;
                        }, 64);
                        break;
                    default:
                        consumer.read((type, buffer, index, length) ->
                        {
                            for (int i = 0; i < length; i += 64)
                            {
                                sum[0] += buffer.getByte(index + i);
                            }
                            if (++sum[1] == closeInHandler)
                            {
                                queue.close();
                            }
                        }, 256);
                        break;
                }
            }
        }
        catch (final QueueClosedException closed)
        {
            // The outcome every call may have once the queue is closed.
        }
    }

    private static void send(final Channel channel, final SplittableRandom random)
    {
        final UnsafeBuffer source = new UnsafeBuffer(new byte[4000]);
        final SlotClaim claim = new SlotClaim();
        try
        {
            while (channel.isConnected())
            {
                final int length = 1 + random.nextInt(4000);
                if (random.nextInt(4) == 0)
                {
                    if (channel.claim(1, length, claim))
                    {
                        claim.commit();
                    }
                }
                else if (!channel.offer(1, source, 0, length))
                {
                    channel.awaitSpace(length, TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }
        catch (final QueueClosedException closed)
        {
            // ChannelClosedException included: the outcome of a send once the channel is closed.
        }
    }

    private static void pollChannel(final Channel channel, final SplittableRandom random)
    {
        final long[] sum = { 0 };
        while (channel.isConnected())
        {
            if (channel.poll((type, buffer, index, length) -> sum[0] += buffer.getByte(index), 64) == 0)
            {
                channel.awaitMessages(TimeUnit.MICROSECONDS.toNanos(random.nextInt(500)));
            }
        }
    }

    private static void echo(final Channel channel, final AtomicLong echoed)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[4000]);
        try
        {
            while (channel.isConnected())
            {
                final int read = channel.poll((type, buffer, index, length) ->
                {
                    buffer.getBytes(index, copy, 0, length);
                    if (channel.offer(1, copy, 0, length))
                    {
                        echoed.incrementAndGet();
                    }
                }, 64);
                if (read == 0)
                {
                    channel.awaitMessages(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }
        catch (final QueueClosedException closed)
        {
            // The client went away while the server answered.
        }
    }

    private static void join(final List<Thread> threads) throws InterruptedException
    {
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive())
            {
                throw new AssertionError("a thread did not return within 30 s of the close: " +
                    Arrays.toString(thread.getStackTrace()));
            }
        }
    }

    private static void pause(final int micros)
    {
        final long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
        while (System.nanoTime() - end < 0)
        {
            if (micros > 500)
            {
                LockSupport.parkNanos(50_000);
            }
        }
    }
}
