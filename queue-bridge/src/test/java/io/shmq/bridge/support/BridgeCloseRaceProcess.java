package io.shmq.bridge.support;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.bridge.BridgeConfig;
import io.shmq.bridge.BridgeException;
import io.shmq.bridge.QueueBridge;
import io.shmq.errors.QueueClosedException;
import io.shmq.region.MappingGuard;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.RaceThreads;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM that races closes against a running bridge: in each race a producer offers into queue A, a sending
 * bridge drains A over Aeron UDP on the loopback to a receiving bridge that writes into queue B, and a consumer
 * reads B; after a random delay another thread closes one of queue A, queue B (each under its bridge's thread),
 * the sending or the receiving bridge. The bridges' threads must end (a queue closed under one is its failure, a
 * {@link BridgeException} or {@link QueueClosedException} that {@link QueueBridge#close()} reports), every thread
 * must return, and nothing may crash the JVM. Anything else is printed and ends the run with exit 1.
 *
 * <p>Arguments: {@code RACES SEED DIRECTORY_A DIRECTORY_B}. Prints {@code races=N inside=M unexpected=0}.
 */
public final class BridgeCloseRaceProcess
{
    private static final int CAPACITY = 64 * 1024;
    private static final long WAIT_SECONDS = 30;

    private BridgeCloseRaceProcess()
    {
    }

    /**
     * Runs the races.
     *
     * @param args races, seed, the two hosts' directories.
     * @throws Exception when the setup fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final int races = Integer.parseInt(args[0]);
        final SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        final Path hostA = Path.of(args[2]);
        final Path hostB = Path.of(args[3]);
        // One pair of ports for every race: a closed bridge's driver gives its sockets back.
        final String data = LoopbackChannels.free();
        final String control = LoopbackChannels.free();
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();
        int done = 0;
        for (; done < races && unexpected.get() == null; done++)
        {
            race(hostA, hostB, "b" + done, data, control, random.split(), unexpected);
        }
        final Throwable failure = unexpected.get();
        System.out.println("races=" + done + " inside=" + MappingGuard.closesWhileInside() + " unexpected=" +
            (failure == null ? 0 : 1));
        if (failure != null)
        {
            failure.printStackTrace(System.out);
        }
        System.exit(failure == null ? 0 : 1);
    }

    private static void race(
        final Path hostA,
        final Path hostB,
        final String name,
        final String data,
        final String control,
        final SplittableRandom random,
        final AtomicReference<Throwable> unexpected) throws InterruptedException
    {
        final BridgeConfig config = BridgeConfig.of(data, control).withConnectTimeout(Duration.ofSeconds(10));
        final ShmQueue a = ShmQueue.create(name, QueueConfig.mpsc(CAPACITY).withDirectory(hostA));
        final ShmQueue b = ShmQueue.create(name, QueueConfig.spsc(CAPACITY).withDirectory(hostB));
        QueueBridge receiving = null;
        QueueBridge sending = null;
        Thread producer = null;
        Thread consumer = null;
        try
        {
            receiving = QueueBridge.receive(b, config.withEmbeddedDriverDirectory(hostB.resolve("aeron")
                .toString()));
            sending = QueueBridge.send(a, config.withEmbeddedDriverDirectory(hostA.resolve("aeron").toString()));
            final RingProducer into = a.producer();
            final RingConsumer from = b.consumer();
            producer = RaceThreads.start(() -> produce(into, random.split()), unexpected);
            consumer = RaceThreads.start(() -> consume(from), unexpected);
            pause(random.nextInt(20_000));
            switch (random.nextInt(4))
            {
                case 0 -> a.close();
                case 1 -> b.close();
                case 2 -> closeExpectingFailure(sending, unexpected);
                default -> closeExpectingFailure(receiving, unexpected);
            }
        }
        finally
        {
            closeExpectingFailure(sending, unexpected);
            closeExpectingFailure(receiving, unexpected);
            a.close();
            b.close();
            join(producer, "producer");
            join(consumer, "consumer");
            ShmQueue.delete(name, hostA);
            ShmQueue.delete(name, hostB);
        }
    }

    private static void closeExpectingFailure(final QueueBridge bridge, final AtomicReference<Throwable> unexpected)
    {
        if (bridge == null)
        {
            return;
        }
        try
        {
            bridge.close();
        }
        catch (final BridgeException failed)
        {
            // A queue closed under the bridge's thread is its failure; a clear exception is the outcome wanted.
            if (!(failed.getCause() == null || failed.getCause() instanceof QueueClosedException ||
                failed.getCause() instanceof BridgeException))
            {
                unexpected.compareAndSet(null, failed);
            }
        }
    }

    private static void produce(final RingProducer producer, final SplittableRandom random)
    {
        final UnsafeBuffer source = new UnsafeBuffer(new byte[2000]);
        try
        {
            while (true)
            {
                if (!producer.offer(1, source, 0, 1 + random.nextInt(2000)))
                {
                    producer.awaitSpace(2000, TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }
        catch (final QueueClosedException closed)
        {
            // The queue was closed: the outcome of every call after that.
        }
    }

    private static void consume(final RingConsumer consumer)
    {
        final long[] sum = { 0 };
        try
        {
            while (true)
            {
                if (consumer.read((type, buffer, index, length) -> sum[0] += buffer.getByte(index), 256) == 0)
                {
                    consumer.awaitMessages(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }
        catch (final QueueClosedException closed)
        {
            // As for the producer.
        }
    }

    private static void join(final Thread thread, final String what) throws InterruptedException
    {
        if (thread == null)
        {
            return;
        }
        thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        if (thread.isAlive())
        {
            throw new AssertionError("the " + what + " did not return " + WAIT_SECONDS + " s after the close");
        }
    }

    private static void pause(final int micros)
    {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(micros));
    }
}
