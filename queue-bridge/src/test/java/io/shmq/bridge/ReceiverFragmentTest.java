package io.shmq.bridge;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.protocol.DataHeaderFlyweight;
import io.aeron.protocol.HeaderFlyweight;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.bridge.support.LoopbackChannels;
import io.shmq.support.ShmDirectory;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A receiver writes the fragments of a long message straight into the slot the message claimed in its ring. A
 * sender that dies after the first fragment leaves that claim open; the first fragment of its successor's stream
 * must give it up (abort it: the consumer sees nothing of it), and the message, sent again, must arrive once and
 * whole. The sender here is a raw Aeron publication writing the bridge's frames, its partial message written as a
 * block of one fragment.
 */
class ReceiverFragmentTest
{
    private static final int LENGTH = 4_000;

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(LENGTH + 512));
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[LENGTH]);

    @Test
    @Timeout(60)
    void aMessageCutOffByItsSendersDeathIsGivenUpAndArrivesWholeFromTheNextSender() throws Exception
    {
        final BridgeConfig config = BridgeConfig.of(LoopbackChannels.free(), LoopbackChannels.free())
            .withConnectTimeout(Duration.ofSeconds(20))
            .withEmbeddedDriverDirectory(hostB.path().resolve("aeron").toString());
        final QueueConfig ring = QueueConfig.spsc(256 * 1024).withMaxMessageLength(LENGTH);
        try (ShmQueue sending = ShmQueue.create("orders", ring.withDirectory(hostA.path()));
            ShmQueue receiving = ShmQueue.create("orders", ring.withDirectory(hostB.path()));
            RawDataStream stream = new RawDataStream(hostA.path().resolve("aeron"), config))
        {
            final QueueShape shape = QueueShape.of(sending);
            final BridgeReceiver receiver = new BridgeReceiver(receiving, config);
            // What the receiver's Aeron reports (an exception from a fragment handler among it) goes to stderr.
            final PrintStream stderr = System.err;
            final ByteArrayOutputStream reported = new ByteArrayOutputStream();
            System.setErr(new PrintStream(reported, true, StandardCharsets.UTF_8));
            try
            {
                final ExclusivePublication first = stream.publish();
                drive(receiver, first::isConnected, "the first sender's stream connected");
                offer(receiver, first, hello(shape, 0));
                offer(receiver, first, message(0, 8_192, 1));
                drive(receiver, () -> receiver.committedMessages() == 1, "message 1 committed");
                // Message 2's first fragment only, then the sender dies.
                offerFirstFragmentOnly(first, message(8_192, 16_384, 2));
                drive(receiver, () -> false, null);
                first.close();

                final ExclusivePublication second = stream.publish();
                drive(receiver, second::isConnected, "the second sender's stream connected");
                offer(receiver, second, hello(shape, 8_192));
                offer(receiver, second, message(8_192, 16_384, 2));
                offer(receiver, second, message(16_384, 24_576, 3));
                drive(receiver, () -> receiver.committedMessages() == 3, "messages 2 and 3 committed");
                assertEquals(24_576, receiver.committedPosition());
                second.close();
            }
            finally
            {
                System.setErr(stderr);
                CloseHelper.close(receiver::onClose);
            }
            final String errors = reported.toString(StandardCharsets.UTF_8);
            stderr.print(errors);
            // Kept open, the cut-off message's claim made the next message's claim fail inside Aeron's poll.
            assertEquals("", errors, "the receiver reported no error");
            final List<Long> read = new ArrayList<>();
            receiving.consumer().read((type, buffer, index, length) ->
            {
                assertEquals(LENGTH, length, "length of message " + buffer.getLong(index));
                assertEquals(7, type);
                for (int i = 8; i < LENGTH; i++)
                {
                    if (buffer.getByte(index + i) != (byte)(buffer.getLong(index) + i))
                    {
                        fail("byte " + i + " of message " + buffer.getLong(index) + " differs");
                    }
                }
                read.add(buffer.getLong(index));
            }, 16);
            assertEquals(List.of(1L, 2L, 3L), read, "each message once, in order, nothing of the cut-off one");
        }
    }

    private int hello(final QueueShape shape, final long released)
    {
        return BridgeFrame.putHello(frame, released, 42, released, shape);
    }

    /** A MESSAGE frame of message {@code number}: type id 7, {@value #LENGTH} bytes. */
    private int message(final long previousEnd, final long end, final long number)
    {
        payload.putLong(0, number);
        for (int i = 8; i < LENGTH; i++)
        {
            payload.putByte(i, (byte)(number + i));
        }
        BridgeFrame.putMessageHeader(frame, previousEnd, end, 7, LENGTH);
        frame.putBytes(BridgeFrame.MESSAGE_HEADER_LENGTH, payload, 0, LENGTH);
        return BridgeFrame.MESSAGE_HEADER_LENGTH + LENGTH;
    }

    private void offer(final BridgeReceiver receiver, final ExclusivePublication publication, final int length)
    {
        RawDataStream.offer(receiver, publication, frame, length);
    }

    /** Writes the first Aeron fragment of a frame of {@code length} bytes, as the sender would have, and no more. */
    private void offerFirstFragmentOnly(final ExclusivePublication publication, final int length)
    {
        final int part = publication.maxPayloadLength();
        assertTrue(length > part, "the frame spans fragments");
        final int frameLength = DataHeaderFlyweight.HEADER_LENGTH + part;
        final UnsafeBuffer block = new UnsafeBuffer(ByteBuffer.allocateDirect(
            (frameLength + FrameDescriptor.FRAME_ALIGNMENT - 1) & -FrameDescriptor.FRAME_ALIGNMENT));
        final DataHeaderFlyweight header = new DataHeaderFlyweight(block);
        header.frameLength(frameLength);
        header.version(HeaderFlyweight.CURRENT_VERSION);
        header.flags((short)DataHeaderFlyweight.BEGIN_FLAG);
        header.headerType(HeaderFlyweight.HDR_TYPE_DATA);
        header.termOffset(publication.termOffset());
        header.sessionId(publication.sessionId());
        header.streamId(publication.streamId());
        header.termId(publication.termId());
        header.reservedValue(DataHeaderFlyweight.DEFAULT_RESERVE_VALUE);
        block.putBytes(DataHeaderFlyweight.HEADER_LENGTH, frame, 0, part);
        assertTrue(publication.offerBlock(block, 0, block.capacity()) > 0, "the block went into the term");
    }

    /** Runs the receiver until {@code done} holds (or, with no {@code what}, for 300 ms). */
    private static void drive(final BridgeReceiver receiver, final BooleanSupplier done, final String what)
        throws InterruptedException
    {
        RawDataStream.drive(receiver, done, what, what == null ? 300 : 15_000);
    }
}
