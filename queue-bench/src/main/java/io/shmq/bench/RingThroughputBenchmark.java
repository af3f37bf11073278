package io.shmq.bench;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * In-JVM throughput of a producer thread and a consumer thread on one ring, shmq against Agrona's ring buffers of
 * the same capacity. The {@code sent} and {@code received} counters count only messages that went through (a
 * failed offer on a full ring or an empty poll is not one): {@code pair:received} is the throughput. Run with {@code -prof gc}: both hot paths allocate nothing.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class RingThroughputBenchmark
{
    private static final int CAPACITY = 1 << 20;

    /** Payload length in bytes. */
    @Param({ "32", "256", "1024" })
    public int size;

    /** The ring under test. */
    @Param({ "SHMQ_SPSC", "SHMQ_MPSC", "AGRONA_O2O", "AGRONA_M2O" })
    public String ring;

    private ShmQueue queue;
    private RingProducer producer;
    private RingConsumer consumer;
    private RingBuffer agrona;

    /** Messages that went through, counted per thread: JMH reports each field as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters
    {
        /** Messages the producer thread got into the ring. */
        public long sent;
        /** Messages the consumer thread read. */
        public long received;
    }

    /** The producer thread's message. */
    @State(Scope.Thread)
    public static class Message
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    }

    /** The consumer thread's handler. */
    @State(Scope.Thread)
    public static class Sink implements MessageHandler
    {
        long sum;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sum += buffer.getLong(index);
        }
    }

    /**
     * Creates the ring for this trial.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        if (ring.startsWith("SHMQ"))
        {
            final String name = "bench-pair-" + ProcessHandle.current().pid();
            ShmQueue.delete(name);
            queue = ShmQueue.create(name, QueueConfig.of(ring.endsWith("MPSC") ? RingKind.MPSC : RingKind.SPSC,
                CAPACITY).withMaxMessageLength(4096));
            producer = queue.producer();
            consumer = queue.consumer();
        }
        else
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(
                ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
            agrona = ring.endsWith("M2O") ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
        }
    }

    /**
     * Removes the queue file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (queue != null)
        {
            queue.close();
            ShmQueue.delete(queue.name());
        }
    }

    /**
     * The producer: one copying offer.
     *
     * @param message  the payload.
     * @param counters messages sent.
     */
    @Benchmark
    @Group("pair")
    @GroupThreads(1)
    public void offer(final Message message, final Counters counters)
    {
        final boolean sent = agrona == null ? producer.offer(1, message.buffer, 0, size) :
            agrona.write(1, message.buffer, 0, size);
        if (sent)
        {
            counters.sent++;
        }
    }

    /**
     * The consumer: one read of up to 256 messages.
     *
     * @param sink     the handler.
     * @param counters messages received.
     */
    @Benchmark
    @Group("pair")
    @GroupThreads(1)
    public void poll(final Sink sink, final Counters counters)
    {
        counters.received += agrona == null ? consumer.read(sink, 256) : agrona.read(sink, 256);
    }
}
