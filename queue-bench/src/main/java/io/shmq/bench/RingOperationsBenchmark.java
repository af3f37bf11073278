package io.shmq.bench;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SlotClaim;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Cost of one write and one read of a message on one thread, shmq against Agrona's ring buffers over the same
 * amount of memory: the instructions of each path, without cross-core traffic. Run with {@code -prof gc} to see
 * allocation per operation (0 B/op is the goal on every path).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
public class RingOperationsBenchmark
{
    private static final int CAPACITY = 1 << 20;
    private static final int TYPE = 1;

    /** Payload length in bytes. */
    @Param({ "32", "256", "1024" })
    public int size;

    /** Ring kind of the shmq queue. */
    @Param({ "SPSC", "MPSC" })
    public String kind;

    private ShmQueue queue;
    private RingProducer producer;
    private RingConsumer consumer;
    private RingBuffer agrona;
    private final SlotClaim claim = new SlotClaim();
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[4096]);
    private final CountingHandler handler = new CountingHandler();

    /**
     * Creates a fresh queue in {@code /dev/shm} and an Agrona ring of the same capacity.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final String name = "bench-ops-" + ProcessHandle.current().pid();
        ShmQueue.delete(name);
        queue = ShmQueue.create(name, QueueConfig.of(RingKind.valueOf(kind), CAPACITY).withMaxMessageLength(4096));
        producer = queue.producer();
        consumer = queue.consumer();

        final UnsafeBuffer agronaBuffer = new UnsafeBuffer(
            ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
        agrona = "SPSC".equals(kind) ? new OneToOneRingBuffer(agronaBuffer) : new ManyToOneRingBuffer(agronaBuffer);
    }

    /**
     * Unmaps and deletes the queue.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        queue.close();
        ShmQueue.delete(queue.name());
    }

    /**
     * shmq: copying offer, then read of that message.
     *
     * @return messages read (1).
     */
    @Benchmark
    public int shmqOfferRead()
    {
        producer.offer(TYPE, payload, 0, size);
        return readOne();
    }

    /**
     * shmq: zero-copy claim, write one long, commit, then read.
     *
     * @return messages read (1).
     */
    @Benchmark
    public int shmqClaimCommitRead()
    {
        producer.claim(TYPE, size, claim);
        claim.buffer().putLong(claim.offset(), size);
        claim.commit();
        return readOne();
    }

    /**
     * Agrona: copying write, then read of that message.
     *
     * @return messages read (1).
     */
    @Benchmark
    public int agronaWriteRead()
    {
        agrona.write(TYPE, payload, 0, size);
        return agronaReadOne();
    }

    /**
     * Agrona: zero-copy tryClaim, write one long, commit, then read.
     *
     * @return messages read (1).
     */
    @Benchmark
    public int agronaClaimCommitRead()
    {
        final int index = agrona.tryClaim(TYPE, size);
        agrona.buffer().putLong(index, size);
        agrona.commit(index);
        return agronaReadOne();
    }

    private int readOne()
    {
        final int read = consumer.read(handler, 1);
        return read != 0 ? read : consumer.read(handler, 1);
    }

    /**
     * Agrona's read stops at the end of the buffer: after a padding record it may return 0 with the message still
     * waiting at the start, so read again (or the ring would fill up by one message per lap).
     */
    private int agronaReadOne()
    {
        final int read = agrona.read(handler, 1);
        return read != 0 ? read : agrona.read(handler, 1);
    }

    /**
     * Reads the first word of each message so the read is not optimised away.
     */
    static final class CountingHandler implements MessageHandler
    {
        long sum;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sum += buffer.getLong(index) + length;
        }
    }
}
