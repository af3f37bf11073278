package io.shmq.examples;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.HdrHistogram.Histogram;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Two JVMs, one queue: this process creates a queue in {@code /dev/shm}, starts a consumer JVM, and produces into
 * it. Phase 1 sends as fast as the ring allows and the consumer reports throughput; phase 2 sends one message
 * every few microseconds with its send time and the consumer reports one-way latency percentiles. The consumer
 * checks every sequence number; the demo exits 0 only if every message arrived once, in order.
 *
 * <pre>
 *   ./run-demo.sh queue [--messages N] [--size BYTES] [--latency-messages N]
 * </pre>
 */
public final class TwoProcessDemo
{
    private static final int THROUGHPUT_TYPE = 1;
    private static final int LATENCY_TYPE = 2;
    private static final int END_TYPE = 3;
    private static final int WARMUP_TYPE = 4;
    private static final long WARMUP_MESSAGES = 20_000;
    private static final long LATENCY_INTERVAL_NANOS = 20_000;

    private TwoProcessDemo()
    {
    }

    /**
     * Runs the producer side and starts the consumer JVM; with {@code --consumer NAME} runs the consumer side.
     *
     * @param args options, see the class comment.
     * @throws Exception when the consumer cannot be started.
     */
    public static void main(final String[] args) throws Exception
    {
        long messages = 20_000_000;
        int size = 32;
        long latencyMessages = 100_000;
        String consumerOf = null;
        final String usage = "usage: ./run-demo.sh queue [--messages N] [--size BYTES] [--latency-messages N]";
        for (int i = 0; i < args.length; i++)
        {
            try
            {
                switch (args[i])
                {
                    case "--messages": messages = Long.parseLong(args[++i]); break;
                    case "--size": size = Integer.parseInt(args[++i]); break;
                    case "--latency-messages": latencyMessages = Long.parseLong(args[++i]); break;
                    case "--consumer": consumerOf = args[++i]; break;
                    default:
                        System.err.println("unknown option " + args[i] + "\n" + usage);
                        System.exit(64);
                }
            }
            catch (final NumberFormatException | ArrayIndexOutOfBoundsException ex)
            {
                System.err.println(args[i - 1] + " needs a number\n" + usage);
                System.exit(64);
            }
        }
        if (size < 16 || size > 4096)
        {
            System.err.println("--size must be from 16 to 4096 bytes (sequence and timestamp take 16)");
            System.exit(64);
        }
        final QueueConfig config = QueueConfig.spsc(4 << 20).withMaxMessageLength(4096);
        if (consumerOf != null)
        {
            System.exit(consume(consumerOf, config) ? 0 : 1);
        }
        System.exit(produce(config, messages, size, latencyMessages) ? 0 : 1);
    }

    private static boolean produce(final QueueConfig config, final long messages, final int size,
        final long latencyMessages) throws Exception
    {
        final String name = "demo-" + ProcessHandle.current().pid();
        final Thread cleanup = new Thread(() -> ShmQueue.delete(name));
        Runtime.getRuntime().addShutdownHook(cleanup);
        Process consumerProcess = null;
        try (ShmQueue queue = ShmQueue.create(name, config))
        {
            System.out.printf("shmq two-process demo: SPSC queue %s (%d KiB ring) at %s%n",
                name, config.capacity() / 1024, Path.of("/dev/shm", "shmq-" + name));
            System.out.printf("phase 1: %,d messages of %d bytes as fast as possible; " +
                "phase 2: %,d messages one every %d us (after %,d warm-up), one-way latency%n",
                messages, size, latencyMessages, LATENCY_INTERVAL_NANOS / 1000, WARMUP_MESSAGES);

            consumerProcess = startConsumer(name);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (queue.header().consumerOwnerToken() == 0)
            {
                if (!consumerProcess.isAlive() || System.nanoTime() > deadline)
                {
                    System.err.println("consumer JVM did not attach");
                    return false;
                }
                Thread.sleep(1);
            }
            System.out.printf("consumer JVM pid %d attached%n", consumerProcess.pid());

            final RingProducer producer = queue.producer();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[size]);
            for (long seq = 0; seq < messages; seq++)
            {
                payload.putLong(0, seq);
                payload.putLong(8, 0);
                while (!producer.offer(THROUGHPUT_TYPE, payload, 0, size))
                {
                    Thread.onSpinWait();
                }
            }

            // Let the consumer drain the backlog so latency is not measured behind a full ring.
            while (queue.header().headPosition() < queue.header().tailPosition())
            {
                Thread.onSpinWait();
            }

            final SlotClaim claim = new SlotClaim();
            long next = System.nanoTime();
            for (long seq = -WARMUP_MESSAGES; seq < latencyMessages; seq++)
            {
                next += LATENCY_INTERVAL_NANOS;
                while (System.nanoTime() < next)
                {
                    Thread.onSpinWait();
                }
                while (!producer.claim(seq < 0 ? WARMUP_TYPE : LATENCY_TYPE, size, claim))
                {
                    Thread.onSpinWait();
                }
                claim.buffer().putLong(claim.offset(), seq);
                claim.buffer().putLong(claim.offset() + 8, System.nanoTime());
                claim.commit();
            }
            payload.putLong(0, messages);
            payload.putLong(8, latencyMessages);
            while (!producer.offer(END_TYPE, payload, 0, 16))
            {
                Thread.onSpinWait();
            }

            if (!consumerProcess.waitFor(60, TimeUnit.SECONDS))
            {
                System.err.println("consumer JVM did not finish");
                return false;
            }
            return consumerProcess.exitValue() == 0;
        }
        finally
        {
            if (consumerProcess != null)
            {
                consumerProcess.destroyForcibly();
            }
            ShmQueue.delete(name);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private static Process startConsumer(final String name) throws Exception
    {
        return new ProcessBuilder(PeerProcess.command(TwoProcessDemo.class, "--consumer", name))
            .inheritIO().start();
    }

    private static boolean consume(final String name, final QueueConfig config)
    {
        try (ShmQueue queue = ShmQueue.open(name, config))
        {
            final RingConsumer consumer = queue.consumer();
            final DemoHandler handler = new DemoHandler();
            while (!handler.ended)
            {
                if (consumer.read(handler, 4096) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            return handler.report();
        }
    }

    private static final class DemoHandler implements MessageHandler
    {
        private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        private long throughputMessages;
        private long throughputBytes;
        private long throughputStart;
        private long throughputEnd;
        private long latencyMessages;
        private long expectedThroughput = -1;
        private long expectedLatency = -1;
        private long outOfOrder;
        private boolean ended;

        @Override
        public void onMessage(final int type, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            final long seq = buffer.getLong(index);
            if (type == THROUGHPUT_TYPE)
            {
                if (throughputMessages == 0)
                {
                    throughputStart = System.nanoTime();
                }
                if (seq != throughputMessages)
                {
                    outOfOrder++;
                }
                throughputMessages++;
                throughputBytes += length;
                throughputEnd = System.nanoTime();
            }
            else if (type == LATENCY_TYPE)
            {
                latency.recordValue(Math.max(0, System.nanoTime() - buffer.getLong(index + 8)));
                if (seq != latencyMessages)
                {
                    outOfOrder++;
                }
                latencyMessages++;
            }
            else if (type == WARMUP_TYPE)
            {
                // Paced like the measured messages, to compile the same paths; not recorded.
                latency.recordValue(0);
                latency.reset();
            }
            else if (type == END_TYPE)
            {
                expectedThroughput = seq;
                expectedLatency = buffer.getLong(index + 8);
                ended = true;
            }
        }

        boolean report()
        {
            final double seconds = Math.max(1, throughputEnd - throughputStart) / 1e9;
            System.out.printf("delivered: %,d + %,d messages (expected %,d + %,d), out of order or lost: %d%n",
                throughputMessages, latencyMessages, expectedThroughput, expectedLatency, outOfOrder);
            System.out.printf("throughput: %,.0f msgs/s, %,.1f MB/s%n",
                throughputMessages / seconds, throughputBytes / seconds / 1e6);
            System.out.printf("one-way latency (ns): p50 %,d  p90 %,d  p99 %,d  p99.9 %,d  max %,d%n",
                latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
                latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue());
            final boolean ok = outOfOrder == 0 && throughputMessages == expectedThroughput &&
                latencyMessages == expectedLatency;
            System.out.println(ok ? "OK: every message arrived once, in order" : "FAILED: messages lost or reordered");
            return ok;
        }
    }
}
