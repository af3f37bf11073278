package io.shmq.bridge;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.support.ShmDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Both directions of a duplex bridge full at once: a client writing requests faster than the server answers, a
 * server that reads its next request only once its answer is written. The acknowledgements the server's answers
 * wait for must not queue behind requests the server's full queue refuses (they have streams of their own), or
 * neither side moves again. Every answer comes, once and in order.
 */
class DuplexBackPressureTest
{
    private static final int RING = 64 * 1024;
    private static final int LENGTH = 1_000;
    private static final int COUNT = 20_000;

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    private static BridgeConfig on(final ShmDirectory host, final BridgeConfig config)
    {
        return config.withEmbeddedDriverDirectory(host.path().resolve("aeron").toString());
    }

    private static QueueConfig ring(final ShmDirectory host, final boolean spsc)
    {
        return (spsc ? QueueConfig.spsc(RING) : QueueConfig.mpsc(RING)).withDirectory(host.path())
            .withMaxMessageLength(LENGTH);
    }

    @Test
    @Timeout(180)
    void bothDirectionsFullAtOnceDoNotStopTheBridgeForGood() throws Exception
    {
        final String toB = LoopbackChannels.free();
        final String toA = LoopbackChannels.free();
        final BridgeConfig requests = BridgeConfig.of(toB, toA).withConnectTimeout(Duration.ofSeconds(20))
            .withFullQueueTimeout(Duration.ofSeconds(60));
        final BridgeConfig responses = BridgeConfig.of(toA, toB).withStreamId(BridgeConfig.DEFAULT_STREAM_ID + 2)
            .withConnectTimeout(Duration.ofSeconds(20)).withFullQueueTimeout(Duration.ofSeconds(60));
        try (ShmQueue requestsA = ShmQueue.create("requests", ring(hostA, false));
            ShmQueue requestsB = ShmQueue.create("requests", ring(hostB, true));
            ShmQueue responsesB = ShmQueue.create("responses", ring(hostB, false));
            ShmQueue responsesA = ShmQueue.create("responses", ring(hostA, true));
            QueueBridge b = QueueBridge.duplex(responsesB, on(hostB, responses), requestsB, requests);
            QueueBridge a = QueueBridge.duplex(requestsA, on(hostA, requests), responsesA, responses))
        {
            final AtomicReference<Throwable> failed = new AtomicReference<>();
            final Thread server = start("server", failed, () -> serve(requestsB.consumer(), responsesB.producer()));
            final Thread writer = start("writer", failed, () -> write(requestsA.producer()));
            final RingConsumer answers = responsesA.consumer();
            final long[] next = { 0 };
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (next[0] < COUNT)
            {
                final int read = answers.read((type, buffer, index, length) ->
                {
                    assertEquals(next[0], buffer.getLong(index), "the next answer, once");
                    assertEquals(LENGTH, length);
                    next[0]++;
                }, 64);
                if (read == 0)
                {
                    assertNull(failed.get(), () -> "a thread failed: " + failed.get());
                    assertNull(a.failure(), () -> "bridge A failed: " + a.failure());
                    assertNull(b.failure(), () -> "bridge B failed: " + b.failure());
                    if (System.nanoTime() - deadline > 0)
                    {
                        fail("only " + next[0] + " of " + COUNT + " answers came: " + a.receiver() + ", " +
                            a.sender() + " / " + b.receiver() + ", " + b.sender());
                    }
                    Thread.yield();
                }
            }
            writer.join(10_000);
            server.join(10_000);
            assertNull(failed.get());

        }
    }

    private static Thread start(final String name, final AtomicReference<Throwable> failed, final Body body)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                body.run();
            }
            catch (final Throwable ex)
            {
                failed.compareAndSet(null, ex);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Writes COUNT numbered requests, as fast as the ring takes them. */
    private static void write(final RingProducer producer) throws InterruptedException
    {
        final UnsafeBuffer request = new UnsafeBuffer(new byte[LENGTH]);
        for (long i = 0; i < COUNT; i++)
        {
            request.putLong(0, i);
            offer(producer, request);
        }
    }

    /** Answers each request before it reads the next one: a full answer ring holds its reading back. */
    private static void serve(final RingConsumer consumer, final RingProducer producer) throws InterruptedException
    {
        final UnsafeBuffer answer = new UnsafeBuffer(new byte[LENGTH]);
        final long[] served = { 0 };
        while (served[0] < COUNT)
        {
            final int read = consumer.read((type, buffer, index, length) ->
            {
                answer.putLong(0, buffer.getLong(index));
                try
                {
                    offer(producer, answer);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ex);
                }
                served[0]++;
            }, 1);
            if (read == 0)
            {
                Thread.yield();
            }
        }
    }

    private static void offer(final RingProducer producer, final UnsafeBuffer message) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!producer.offer(1, message, 0, LENGTH))
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("a ring stayed full for 120 s");
            }
            Thread.yield();
        }
    }

    @FunctionalInterface
    private interface Body
    {
        void run() throws Exception;
    }
}
