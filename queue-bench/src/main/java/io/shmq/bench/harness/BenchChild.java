package io.shmq.bench.harness;

import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * One side of a benchmark run, in its own JVM. Roles:
 * <ul>
 *   <li>{@code send SPEC PRODUCER SIZE MILLIS [concurrent]}: sends as fast as the channel takes for MILLIS, then an
 *   end message;</li>
 *   <li>{@code receive SPEC PRODUCERS WARMUP_MILLIS [RECEIVER]}: checks order per producer and what the
 *   {@link ReceiverKind} reads, and prints {@code RESULT rate=...} over the messages after the warm-up;</li>
 *   <li>{@code pong IN OUT} and {@code ping OUT IN SIZE WARMUP ROUNDS}: round trips, the pinger prints percentiles
 *   and {@code HIST} (its histogram, compressed);</li>
 *   <li>{@code memcpy SIZE MILLIS}: single-core copy rate.</li>
 * </ul>
 * Every line the orchestrator reads starts with {@code READY}, {@code RESULT} or {@code HIST}.
 */
public final class BenchChild
{
    private static final int BATCH = 256;

    private BenchChild()
    {
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     * @throws Exception on any failure (non-zero exit).
     */
    public static void main(final String[] args) throws Exception
    {
        switch (args[0])
        {
            case "send" -> send(ChannelSpec.parse(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Long.parseLong(args[4]), args.length > 5);
            case "receive" -> receive(ChannelSpec.parse(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]),
                args.length > 4 ? ReceiverKind.valueOf(args[4]) : ReceiverKind.SAMPLE);
            case "pong" -> pong(ChannelSpec.parse(args[1]), ChannelSpec.parse(args[2]));
            case "ping" -> ping(ChannelSpec.parse(args[1]), ChannelSpec.parse(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            case "memcpy" -> memcpy(Integer.parseInt(args[1]), Long.parseLong(args[2]));
            default -> throw new IllegalArgumentException("unknown role " + args[0]);
        }
        System.exit(0);
    }

    private static void send(final ChannelSpec spec, final int producer, final int size, final long millis,
        final boolean concurrent) throws Exception
    {
        try (MessageSender sender = Channels.sender(spec, concurrent))
        {
            System.out.println("READY");
            final UnsafeBuffer message = Payload.newMessage();
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long sequence = 0;
            do
            {
                for (int i = 0; i < BATCH; i++)
                {
                    Payload.stamp(message, sequence++, producer, size);
                    while (!sender.send(message, size))
                    {
                        Thread.onSpinWait();
                    }
                }
            }
            while (System.nanoTime() < end);
            Payload.stampEnd(message, producer, sequence);
            while (!sender.send(message, size))
            {
                Thread.onSpinWait();
            }
            System.out.println("SENT " + sequence);
        }
    }

    private static void receive(final ChannelSpec spec, final int producers, final long warmupMillis,
        final ReceiverKind kind) throws Exception
    {
        try (MessageReceiver receiver = Channels.receiver(spec))
        {
            System.out.println("READY");
            final Checker checker = new Checker(producers, kind);
            long measureFrom = Long.MAX_VALUE;
            long countAtStart = 0;
            long lastCheck = 0;
            int batchesSinceCheck = 0;
            while (checker.ended < producers)
            {
                final int received = receiver.receive(checker, BATCH);
                if (received == 0)
                {
                    receiver.idle();
                }
                // Every 4,096 messages, or 16 batches: 4,096 messages of 64 KiB took longer than the warm-up in the
                // slow phase, and a run could end before the clock was read after it ("nothing measured").
                if (checker.count - lastCheck >= 4096 || received == 0 || ++batchesSinceCheck >= 16)
                {
                    batchesSinceCheck = 0;
                    lastCheck = checker.count;
                    final long now = System.nanoTime();
                    if (checker.count > 0 && measureFrom == Long.MAX_VALUE)
                    {
                        measureFrom = now + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
                    }
                    else if (countAtStart == 0 && now >= measureFrom)
                    {
                        countAtStart = checker.count;
                        measureFrom = now;
                    }
                }
            }
            final long elapsed = checker.endTime - measureFrom;
            final long measured = checker.count - countAtStart;
            if (countAtStart == 0 || elapsed <= 0)
            {
                throw new IllegalStateException("the run ended before the warm-up did: nothing measured");
            }
            for (int p = 0; p < producers; p++)
            {
                if (checker.next[p] != checker.sent[p])
                {
                    throw new IllegalStateException("producer " + p + " sent " + checker.sent[p] + ", received " +
                        checker.next[p]);
                }
            }
            if (checker.faults != 0)
            {
                throw new IllegalStateException(checker.faults + " messages out of order or corrupt");
            }
            System.out.printf("RESULT rate=%.1f messages=%d verified=%d%n", measured * 1e9 / elapsed,
                checker.count, checker.verified);
        }
    }

    /**
     * Checks order per producer (the sequence number at both ends of every message) and, as its
     * {@link ReceiverKind} says, the payload's checksum.
     */
    static final class Checker implements MessageHandler
    {
        final long[] next;
        final long[] sent;
        final ReceiverKind kind;
        long count;
        long verified;
        long faults;
        int ended;
        long endTime;

        Checker(final int producers, final ReceiverKind kind)
        {
            next = new long[producers];
            sent = new long[producers];
            this.kind = kind;
        }

        @Override
        public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long sequence = buffer.getLong(index);
            final int producer = buffer.getInt(index + 8);
            if (sequence == Payload.END)
            {
                sent[producer] = buffer.getLong(index + 16);
                ended++;
                endTime = System.nanoTime();
                return;
            }
            if (sequence != next[producer] || Payload.tailSequence(buffer, index, length) != sequence)
            {
                faults++;
            }
            next[producer] = sequence + 1;
            count++;
            if (kind.checksums(sequence, length))
            {
                verified++;
                if (!Payload.verify(buffer, index, length))
                {
                    faults++;
                }
            }
        }
    }

    private static void pong(final ChannelSpec in, final ChannelSpec out) throws Exception
    {
        if (in.system() == BenchSystem.CACHE_LINE)
        {
            CacheLine.pong(in);
            return;
        }
        try (MessageReceiver receiver = Channels.receiver(in))
        {
            // Ready once listening: a socket pinger binds its own side only after this, then both connect.
            System.out.println("READY");
            try (MessageSender sender = Channels.sender(out, false))
            {
                pongLoop(receiver, sender);
            }
        }
    }

    private static void pongLoop(final MessageReceiver receiver, final MessageSender sender)
    {
        {
            final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(Payload.MAX_LENGTH));
            final int[] pending = { -1 };
            final boolean[] done = { false };
            final MessageHandler echo = (type, buffer, index, length) ->
            {
                reply.putBytes(0, buffer, index, length);
                pending[0] = length;
                done[0] = buffer.getLong(index) == Payload.END;
            };
            while (true)
            {
                if (receiver.receive(echo, 1) == 0)
                {
                    receiver.idle();
                    continue;
                }
                if (done[0])
                {
                    break;
                }
                sendWithin(sender, reply, pending[0], "the echo");
            }
        }
    }

    private static void ping(final ChannelSpec out, final ChannelSpec in, final int size, final int warmup,
        final int rounds) throws Exception
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        if (out.system() == BenchSystem.CACHE_LINE)
        {
            CacheLine.ping(out, warmup, rounds, histogram);
        }
        else
        {
            try (MessageReceiver receiver = Channels.receiver(in); MessageSender sender = Channels.sender(out, false))
            {
                System.out.println("READY");
                final UnsafeBuffer message = Payload.newMessage();
                final long[] echoed = { -2 };
                long resends = 0;
                final MessageHandler handler = (type, buffer, index, length) -> echoed[0] = buffer.getLong(index);
                for (int round = -warmup; round < rounds; round++)
                {
                    // Sequence numbers stay non-negative: -1 is the end-of-stream marker.
                    Payload.stamp(message, round + warmup, 0);
                    final long start = System.nanoTime();
                    sendWithin(sender, message, size, "a ping");
                    long resendAt = start + TimeUnit.SECONDS.toNanos(1);
                    final long giveUpAt = start + TimeUnit.SECONDS.toNanos(10);
                    int emptyPolls = 0;
                    while (echoed[0] != round + warmup)
                    {
                        if (receiver.receive(handler, 1) == 0)
                        {
                            receiver.idle();
                            // A system may drop what was sent before its subscriber was linked (Aeron IPC at
                            // start-up): send the same ping again rather than wait forever. The clock is read
                            // every 256 empty polls only, so the waiting loop stays as tight as the floor's.
                            if ((++emptyPolls & 255) == 0 && System.nanoTime() > resendAt)
                            {
                                if (resendAt > giveUpAt)
                                {
                                    throw new IllegalStateException("ping " + (round + warmup) + " not echoed " +
                                        "within 10 s, " + resends + " resends in all: the channel lost messages");
                                }
                                resends++;
                                sender.send(message, size);
                                resendAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                            }
                        }
                    }
                    final long rtt = System.nanoTime() - start;
                    if (round >= 0)
                    {
                        histogram.recordValue(Math.min(rtt, histogram.getHighestTrackableValue()));
                    }
                }
                Payload.stampEnd(message, 0, rounds);
                sendWithin(sender, message, size, "the end message");
                // Let the ponger see the end before this side unmaps.
                Thread.sleep(20);
                if (resends > 0)
                {
                    System.out.println("RESENT " + resends);
                }
            }
        }
        System.out.printf("RESULT p50=%d p90=%d p99=%d p999=%d p9999=%d max=%d%n",
            histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
            histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
            histogram.getValueAtPercentile(99.99), histogram.getMaxValue());
        final ByteBuffer encoded = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(encoded);
        final byte[] bytes = new byte[length];
        encoded.flip();
        encoded.get(bytes);
        System.out.println("HIST " + Base64.getEncoder().encodeToString(bytes));
    }

    /**
     * Sends, retrying while the channel refuses; a channel that refuses for 10 s has failed (the run reports it
     * instead of hanging).
     */
    private static void sendWithin(final MessageSender sender, final DirectBuffer message, final int size,
        final String what)
    {
        if (sender.send(message, size))
        {
            return;
        }
        final long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!sender.send(message, size))
        {
            if (System.nanoTime() > giveUpAt)
            {
                throw new IllegalStateException("could not send " + what + " for 10 s: the channel is stuck");
            }
            Thread.onSpinWait();
        }
    }

    private static void memcpy(final int size, final long millis)
    {
        // Source and destination well beyond the last-level cache, as a ring's memory is when it streams from one
        // core to another: the copy is bounded by memory bandwidth, not by the L1 cache.
        final int capacity = 128 << 20;
        final UnsafeBuffer destination = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        final UnsafeBuffer source = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
        final DirectBuffer pattern = Payload.newMessage();
        for (int i = 0; i < capacity; i += Payload.MAX_LENGTH)
        {
            source.putBytes(i, pattern, 0, Payload.MAX_LENGTH);
            destination.putBytes(i, pattern, 0, Payload.MAX_LENGTH);
        }
        final long warmupEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis / 3);
        int offset = 0;
        while (System.nanoTime() < warmupEnd)
        {
            destination.putBytes(offset, source, (capacity - size) - offset, size);
            offset = (offset + size) & (capacity - 1);
        }
        final long start = System.nanoTime();
        final long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        long copies = 0;
        long now;
        do
        {
            for (int i = 0; i < 64; i++)
            {
                destination.putBytes(offset, source, (capacity - size) - offset, size);
                offset = (offset + size) & (capacity - 1);
            }
            copies += 64;
            now = System.nanoTime();
        }
        while (now < end);
        System.out.printf("RESULT rate=%.1f messages=%d verified=0%n", copies * 1e9 / (now - start), copies);
    }
}
