package io.shmq.bridge;

import io.aeron.ExclusivePublication;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.layout.RingKind;
import io.shmq.ring.RingConsumer;
import io.shmq.support.ShmDirectory;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No malformed frame stops a bridge receiver or reaches its queue: between the messages of a legitimate stream,
 * every kind of malformed frame an attacker on the network could send (random bytes, lengths and counts that
 * overflow the bounds checks, type ids that are not a user's, names that do not fit, unknown ring kinds, negative
 * positions, fragments past their message's end) is rejected and counted once, the receiver keeps running, and the
 * queue holds exactly the legitimate messages, each once and in order.
 *
 * <p>The frames come from the same Aeron session as the legitimate ones: what a receiver takes from its peer's
 * session is the hardest case. The default suite sends {@value #DEFAULT_FRAMES} frames of each kind, the chaos
 * profile {@code shmq.bridge.forgedFrames} (default 100,000).
 */
class MalformedFramesTest
{
    private static final int DEFAULT_FRAMES = 300;
    private static final int MAX_MESSAGE = 1_000;
    private static final int TYPE = 7;

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    /** End of the last legitimate message sent. */
    private long end;
    private long sent;
    private long drained;

    @Test
    @Timeout(120)
    void malformedFramesAreRejectedAndCountedAndNeverStopTheReceiver() throws Exception
    {
        run(DEFAULT_FRAMES);
    }

    @Tag("chaos")
    @Test
    @Timeout(3_600)
    void aFloodOfMalformedFramesOfEveryKindIsRejected() throws Exception
    {
        run(Integer.getInteger("shmq.bridge.forgedFrames", 100_000));
    }

    private void run(final int framesPerKind) throws Exception
    {
        final BridgeConfig config = BridgeConfig.of(LoopbackChannels.free(), LoopbackChannels.free())
            .withConnectTimeout(Duration.ofSeconds(20))
            .withEmbeddedDriverDirectory(hostB.path().resolve("aeron").toString());
        final QueueConfig ring = QueueConfig.spsc(1 << 20).withMaxMessageLength(MAX_MESSAGE);
        try (ShmQueue sending = ShmQueue.create("orders", ring.withDirectory(hostA.path()));
            ShmQueue receiving = ShmQueue.create("orders", ring.withDirectory(hostB.path()));
            RawDataStream stream = new RawDataStream(hostA.path().resolve("aeron"), config))
        {
            final BridgeReceiver receiver = new BridgeReceiver(receiving, config);
            try
            {
                final ExclusivePublication publication = stream.publish();
                drive(receiver, publication::isConnected, "the stream connected");
                offer(receiver, publication, BridgeFrame.putHello(frame, 0, 42, 0, QueueShape.of(sending)));
                final RingConsumer consumer = receiving.consumer();
                final SplittableRandom random = new SplittableRandom(17);
                long expectedRejections = 0;
                for (final Forgery forgery : forgeries())
                {
                    for (int i = 0; i < framesPerKind; i++)
                    {
                        offer(receiver, publication, forgery.writer().write(frame, random, end));
                        expectedRejections++;
                        if (i % 16 == 0)
                        {
                            offer(receiver, publication, legitimate());
                        }
                    }
                    final long rejections = expectedRejections;
                    drive(receiver, () -> receiver.rejectedFrames() == rejections &&
                        receiver.committedMessages() == sent, forgery.name() + ": every frame rejected once, every " +
                        "legitimate message committed");
                    drain(consumer);
                    System.out.printf("%s: %d frames rejected, %d legitimate messages in order%n", forgery.name(),
                        framesPerKind, sent);
                }
                assertEquals(expectedRejections, receiver.rejectedFrames());
                assertEquals(0, receiver.duplicates(), "no legitimate message was taken for a duplicate");
            }
            finally
            {
                CloseHelper.close(receiver::onClose);
            }
        }
    }

    /** Writes a frame into {@code frame} after the legitimate stream's {@code end}; returns its length. */
    private interface FrameWriter
    {
        int write(UnsafeBuffer frame, SplittableRandom random, long end);
    }

    /** A kind of malformed frame, each of which a receiver must reject. */
    private record Forgery(String name, FrameWriter writer)
    {
    }

    private static List<Forgery> forgeries()
    {
        final int nameTooLong = "orders".length() + 1;
        return List.of(
            new Forgery("random bytes", MalformedFramesTest::randomBytes),
            spoilt("unknown frame type", MalformedFramesTest::data, BridgeFrame.TYPE_OFFSET,
                0, -1, 5, 99, Integer.MAX_VALUE, BridgeFrame.ACK),
            spoilt("DATA count", MalformedFramesTest::data, BridgeFrame.DATA_COUNT_OFFSET,
                0, -1, 1_000_000, Integer.MAX_VALUE, Integer.MIN_VALUE, 2),
            spoilt("DATA entry length", MalformedFramesTest::data,
                BridgeFrame.DATA_HEADER_LENGTH + BridgeFrame.ENTRY_LENGTH_OFFSET,
                -1, Integer.MAX_VALUE, Integer.MAX_VALUE - 15, Integer.MIN_VALUE, 9, 4_000),
            spoilt("DATA type id", MalformedFramesTest::data,
                BridgeFrame.DATA_HEADER_LENGTH + BridgeFrame.ENTRY_TYPE_ID_OFFSET, 0, -1, Integer.MIN_VALUE),
            new Forgery("DATA positions", MalformedFramesTest::positions),
            spoilt("MESSAGE length", MalformedFramesTest::message, BridgeFrame.MESSAGE_LENGTH_OFFSET,
                999_999, -1, 63, 65, Integer.MAX_VALUE),
            new Forgery("MESSAGE longer than the queue takes", MalformedFramesTest::tooLong),
            spoilt("HELLO name length", MalformedFramesTest::hello, BridgeFrame.HELLO_NAME_LENGTH_OFFSET,
                -5, 100_000, 2_000_000_000, Integer.MIN_VALUE, 256, nameTooLong),
            spoilt("HELLO ring kind", MalformedFramesTest::hello, BridgeFrame.HELLO_KIND_OFFSET,
                99, -1, 0, Integer.MAX_VALUE),
            new Forgery("HELLO cut short before its name", (frame, random, end) ->
            {
                hello(frame, random, end);
                return 8 + random.nextInt(BridgeFrame.HELLO_NAME_OFFSET - 8);
            }));
    }

    /** A well-formed frame from {@code base} with the int at {@code offset} replaced by one of {@code values}. */
    private static Forgery spoilt(final String name, final FrameWriter base, final int offset, final int... values)
    {
        return new Forgery(name, (frame, random, end) ->
        {
            final int length = base.write(frame, random, end);
            frame.putInt(offset, values[random.nextInt(values.length)]);
            return length;
        });
    }

    private static int randomBytes(final UnsafeBuffer frame, final SplittableRandom random, final long end)
    {
        final int length = 1 + random.nextInt(2_000);
        for (int i = 0; i < length; i++)
        {
            frame.putByte(i, (byte)random.nextInt());
        }
        // One chance in 2^32 of the right version: not left to chance.
        frame.putInt(BridgeFrame.VERSION_OFFSET, BridgeFrame.VERSION + 1 + random.nextInt(1_000));
        return length;
    }

    /** A DATA frame of one well-formed 8-byte entry after {@code end}. */
    private static int data(final UnsafeBuffer frame, final SplittableRandom random, final long end)
    {
        BridgeFrame.putDataHeader(frame, 0, end, 1);
        BridgeFrame.putEntryHeader(frame, BridgeFrame.DATA_HEADER_LENGTH, end + 16, TYPE, 8);
        return BridgeFrame.DATA_HEADER_LENGTH + BridgeFrame.entryLength(8);
    }

    /** A DATA frame with a negative previous end, or an entry's end not a record past its predecessor's. */
    private static int positions(final UnsafeBuffer frame, final SplittableRandom random, final long end)
    {
        final int length = data(frame, random, end);
        final long[] previous = { -1, Long.MIN_VALUE, -4096 };
        final long[] ends = { end, end + 8, end - 128, Long.MIN_VALUE };
        if (random.nextBoolean())
        {
            frame.putLong(BridgeFrame.DATA_PREVIOUS_END_OFFSET, previous[random.nextInt(previous.length)]);
        }
        else
        {
            frame.putLong(BridgeFrame.DATA_HEADER_LENGTH + BridgeFrame.ENTRY_END_OFFSET,
                ends[random.nextInt(ends.length)]);
        }
        return length;
    }

    /** A MESSAGE frame of 64 bytes after {@code end}. */
    private static int message(final UnsafeBuffer frame, final SplittableRandom random, final long end)
    {
        BridgeFrame.putMessageHeader(frame, end, end + 128, TYPE, 64);
        return BridgeFrame.MESSAGE_HEADER_LENGTH + 64;
    }

    /** Well formed, but longer than the local queue takes: claiming it would throw. */
    private static int tooLong(final UnsafeBuffer frame, final SplittableRandom random, final long end)
    {
        final int payload = MAX_MESSAGE + 1 + random.nextInt(2_000);
        BridgeFrame.putMessageHeader(frame, end, end + 8 + payload, TYPE, payload);
        return BridgeFrame.MESSAGE_HEADER_LENGTH + payload;
    }

    private static int hello(final UnsafeBuffer frame, final SplittableRandom random, final long end)
    {
        return BridgeFrame.putHello(frame, end, 42, end, new QueueShape("orders", RingKind.SPSC, 1 << 20,
            MAX_MESSAGE, 1));
    }

    /** The next legitimate message: a DATA frame of one entry carrying its sequence number. */
    private int legitimate()
    {
        final long previousEnd = end;
        end += 16;
        sent++;
        BridgeFrame.putDataHeader(frame, 0, previousEnd, 1);
        BridgeFrame.putEntryHeader(frame, BridgeFrame.DATA_HEADER_LENGTH, end, TYPE, 8);
        frame.putLong(BridgeFrame.DATA_HEADER_LENGTH + BridgeFrame.ENTRY_HEADER_LENGTH, sent);
        return BridgeFrame.DATA_HEADER_LENGTH + BridgeFrame.entryLength(8);
    }

    private void drain(final RingConsumer consumer)
    {
        while (consumer.read((type, buffer, index, length) ->
        {
            assertEquals(TYPE, type, "only legitimate messages");
            assertEquals(8, length, "only legitimate messages");
            assertEquals(++drained, buffer.getLong(index), "each legitimate message once, in order");
        }, 256) > 0)
        {
            // all of them
        }
        assertEquals(sent, drained);
    }

    private void offer(final BridgeReceiver receiver, final ExclusivePublication publication, final int length)
    {
        RawDataStream.offer(receiver, publication, frame, length);
    }

    private static void drive(final BridgeReceiver receiver, final BooleanSupplier done, final String what)
        throws InterruptedException
    {
        RawDataStream.drive(receiver, done, what, 30_000);
    }
}
