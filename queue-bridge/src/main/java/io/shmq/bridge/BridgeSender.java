package io.shmq.bridge;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.shmq.ShmQueue;
import io.shmq.layout.BridgeStateDescriptor;
import io.shmq.ring.RingConsumer;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The sending half of a bridge: the consumer of a local queue, which publishes each message on an Aeron stream
 * and gives its space in the ring back only when the receiver acknowledges it. Unacknowledged messages stay in the
 * ring ({@link RingConsumer#retainUntilReleased}): the sender's crash loses none (its successor reads them again),
 * and a receiver that falls behind fills the ring, which holds the local producers back.
 *
 * <p>An Agrona {@link Agent}: drive it with {@link #doWork()} from one thread (an {@code AgentRunner}, or
 * {@link QueueBridge}). Made with its public constructor it runs its Aeron media driver (embedded) and client on
 * that same thread.
 */
public final class BridgeSender implements Agent
{
    private static final int MESSAGE_LIMIT = 64;
    private static final int FRAGMENT_LIMIT = 16;
    private static final long HELLO_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long ACK_POLL_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private final ShmQueue queue;
    private final QueueShape shape;
    private final BridgeConfig config;
    private final RingConsumer consumer;
    private final BridgeState state;
    private final RejectedFrames rejected;
    private final AeronLink link;
    /** Whether this sender opened {@link #link} itself, and so drives and closes it. */
    private final boolean ownsLink;
    private final ExclusivePublication data;
    private final Subscription acks;
    private final FragmentAssembler ackAssembler;
    private final UnsafeBuffer messageHeader = new UnsafeBuffer(
        ByteBuffer.allocateDirect(BridgeFrame.MESSAGE_HEADER_LENGTH));
    /** Messages read and not yet published: one DATA frame that fits a datagram. */
    private final UnsafeBuffer batch;
    private int batchLength = BridgeFrame.DATA_HEADER_LENGTH;
    private int batchCount;
    private long batchPreviousEnd;
    private long batchEnd;
    private final UnsafeBuffer hello;
    private final ControlledMessageHandler sendHandler = this::send;
    private final long epoch = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    private final long startedNanos = System.nanoTime();
    /** End of the last message read and batched or published. */
    private long previousEnd;
    /** End of the last message published. */
    private long sentEnd;
    private long receiverEpoch = -1;
    private boolean connected;
    private boolean everConnected;
    private boolean rewindWanted;
    private long lastHelloNanos;
    private long lastTouchNanos;
    private long lastAckPollNanos;
    private long acknowledged = -1;
    /** When an ACK frame last arrived, or when the data stream connected if none has since. */
    private long lastAckNanos;
    private long sentMessages;
    private long resentRewinds;
    /** Datagrams published since the last {@link #takePublishedDatagrams()}: what Aeron's sender has to send. */
    private int publishedDatagrams;

    /**
     * Starts sending {@code queue}'s messages: becomes its consumer (retaining what it reads), connects to Aeron,
     * publishes the data stream and subscribes to acknowledgements.
     *
     * @param queue  the local queue, whose consumer this sender becomes.
     * @param config the bridge's channels.
     * @throws BridgeException when the queue's messages cannot fit an Aeron message, or Aeron is not there.
     */
    public BridgeSender(final ShmQueue queue, final BridgeConfig config)
    {
        this(queue, config, null);
    }

    /**
     * A sender on {@code shared}, which its caller drives and closes; or, when null, on a link of its own.
     */
    BridgeSender(final ShmQueue queue, final BridgeConfig config, final AeronLink shared)
    {
        this.queue = queue;
        this.shape = QueueShape.of(queue);
        this.config = config;
        this.ownsLink = shared == null;
        AeronLink opened = null;
        ExclusivePublication publication = null;
        Subscription subscription = null;
        try
        {
            opened = shared != null ? shared : AeronLink.open(config, "send-" + queue.name());
            publication = opened.aeron().addExclusivePublication(config.dataChannel(), config.streamId());
            subscription = opened.aeron().addSubscription(config.ackChannel(), config.streamId() + 1);
            if (BridgeFrame.MESSAGE_HEADER_LENGTH + shape.maxMessageLength() > publication.maxMessageLength())
            {
                throw new BridgeException("queue '" + queue.name() + "' takes messages up to " +
                    shape.maxMessageLength() + " bytes, but an Aeron message on " + config.dataChannel() +
                    " holds at most " + (publication.maxMessageLength() - BridgeFrame.MESSAGE_HEADER_LENGTH) +
                    " after the " +
                    "bridge's header: raise the term length (term-length=... in the channel URI, 8 x the longest " +
                    "message)");
            }
            this.consumer = queue.consumer().retainUntilReleased(true);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(publication, subscription, ownsLink ? opened : null);
            throw ex;
        }
        this.link = opened;
        this.data = publication;
        this.acks = subscription;
        try
        {
            this.state = BridgeState.open(queue, false);
        }
        catch (final RuntimeException ex)
        {
            consumer.close();
            CloseHelper.quietCloseAll(data, acks, ownsLink ? link : null);
            throw ex;
        }
        this.rejected = new RejectedFrames("the bridge sender of queue '" + queue.name() + "'", state);
        this.previousEnd = consumer.releasedPosition();
        this.sentEnd = previousEnd;
        this.batch = new UnsafeBuffer(ByteBuffer.allocateDirect(data.maxPayloadLength()));
        this.hello = new UnsafeBuffer(ByteBuffer.allocateDirect(BridgeFrame.HELLO_NAME_OFFSET +
            BridgeFrame.MAX_NAME_BYTES));
        this.ackAssembler = new FragmentAssembler(this::onAck);
    }

    @Override
    public int doWork()
    {
        // Aeron's turn after this sender's, so that what it published leaves in the same duty cycle.
        final int work = send(System.nanoTime());
        return ownsLink ? work + link.invokeAfterPublishing(takePublishedDatagrams()) : work;
    }

    /**
     * How many datagrams this sender published since the last call: a long message takes one per
     * {@code maxPayloadLength} bytes, and Aeron's sender sends one per publication per duty cycle.
     *
     * @return the count, 0 when nothing was published.
     */
    int takePublishedDatagrams()
    {
        final int count = publishedDatagrams;
        publishedDatagrams = 0;
        return count;
    }

    private int send(final long now)
    {
        int work = 0;
        if (now - lastAckPollNanos >= ACK_POLL_INTERVAL_NANOS)
        {
            // Acknowledgements come at most every millisecond or so and only release space: no need to look for
            // them every cycle, which cost this sender a sixteenth of its cycle in a round trip.
            lastAckPollNanos = now;
            work += acks.poll(ackAssembler, FRAGMENT_LIMIT);
        }
        final boolean nowConnected = data.isConnected();
        if (nowConnected && !connected)
        {
            // A receiver (again): whatever was sent to an image that is gone may not have arrived.
            rewindWanted = true;
            lastHelloNanos = 0;
            everConnected = true;
            lastAckNanos = now;
        }
        connected = nowConnected;
        if (!connected)
        {
            if (now - lastTouchNanos > TOUCH_INTERVAL_NANOS)
            {
                lastTouchNanos = now;
                state.touch();
            }
            if (!everConnected && now - startedNanos > config.connectTimeout().toNanos())
            {
                throw new BridgeException("no bridge receiver connected to " + config.dataChannel() + " (stream " +
                    config.streamId() + ") within " + config.connectTimeout().toMillis() + " ms: is the receiver " +
                    "running, and is that its host's endpoint?");
            }
            return work;
        }
        if (now - lastAckNanos > config.connectTimeout().toNanos())
        {
            // The receiver acknowledges every few milliseconds while connected, committing or not.
            throw new BridgeException("the receiver of queue '" + queue.name() + "' is connected on " +
                config.dataChannel() + " but no acknowledgement came on " + config.ackChannel() + " (stream " +
                (config.streamId() + 1) + ") for " + config.connectTimeout().toMillis() + " ms: does that " +
                "channel name this host's endpoint, on both sides? Nothing is released until one comes");
        }
        if (now - lastHelloNanos > HELLO_INTERVAL_NANOS && sendHello())
        {
            lastHelloNanos = now;
            work++;
        }
        if (rewindWanted)
        {
            rewindWanted = false;
            consumer.rewind();
            // The batch's messages are read again; the stream starts over at the released position.
            batchCount = 0;
            batchLength = BridgeFrame.DATA_HEADER_LENGTH;
            previousEnd = consumer.releasedPosition();
            sentEnd = previousEnd;
            resentRewinds++;
        }
        if (flush())
        {
            work += consumer.controlledRead(sendHandler, MESSAGE_LIMIT);
            flush();
        }
        if (now - lastTouchNanos > TOUCH_INTERVAL_NANOS)
        {
            lastTouchNanos = now;
            state.sender(acknowledged, consumer.releasedPosition(), sentEnd, sentMessages);
            state.touch();
        }
        return work;
    }

    private boolean sendHello()
    {
        final int length = BridgeFrame.putHello(hello, consumer.releasedPosition(), epoch, sentEnd, shape);
        if (data.offer(hello, 0, length) > 0)
        {
            publishedDatagrams++;
            return true;
        }
        return false;
    }

    /**
     * Publishes the batch, if any.
     *
     * @return true when nothing is left batched.
     */
    private boolean flush()
    {
        if (batchCount == 0)
        {
            return true;
        }
        BridgeFrame.putDataHeader(batch, 0, batchPreviousEnd, batchCount);
        if (!published(data.offer(batch, 0, batchLength)))
        {
            return false;
        }
        publishedDatagrams++;
        sentEnd = batchEnd;
        sentMessages += batchCount;
        batchCount = 0;
        batchLength = BridgeFrame.DATA_HEADER_LENGTH;
        return true;
    }

    /** Whether an offer went out; a closed or exhausted publication ends the bridge. */
    private boolean published(final long result)
    {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            throw new BridgeException("the Aeron publication of queue '" + queue.name() + "' on " +
                config.dataChannel() + " can take no more (" + Publication.errorString(result) + ")");
        }
        return result > 0;
    }

    /**
     * Batches a message read from the ring, publishing the batch first when it would not fit. A message too long for
     * a datagram's batch goes alone, straight from the ring. Back-pressured or not connected: the message stays in
     * the ring (ABORT) and the batch waits for the next turn.
     */
    private ControlledMessageHandler.Action send(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long end = consumer.headPosition();
        final int entry = BridgeFrame.entryLength(length);
        if (BridgeFrame.DATA_HEADER_LENGTH + entry > batch.capacity())
        {
            if (!flush())
            {
                return ControlledMessageHandler.Action.ABORT;
            }
            BridgeFrame.putMessageHeader(messageHeader, previousEnd, end, msgTypeId, length);
            if (!published(data.offer(messageHeader, 0, BridgeFrame.MESSAGE_HEADER_LENGTH, buffer, index, length)))
            {
                return ControlledMessageHandler.Action.ABORT;
            }
            final int maxPayload = data.maxPayloadLength();
            publishedDatagrams += (BridgeFrame.MESSAGE_HEADER_LENGTH + length + maxPayload - 1) / maxPayload;
            previousEnd = end;
            sentEnd = end;
            sentMessages++;
            return ControlledMessageHandler.Action.CONTINUE;
        }
        if (batchLength + entry > batch.capacity() && !flush())
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        if (batchCount == 0)
        {
            batchPreviousEnd = previousEnd;
        }
        BridgeFrame.putEntryHeader(batch, batchLength, end, msgTypeId, length);
        batch.putBytes(batchLength + BridgeFrame.ENTRY_HEADER_LENGTH, buffer, index, length);
        batchLength += entry;
        batchCount++;
        batchEnd = end;
        previousEnd = end;
        return ControlledMessageHandler.Action.CONTINUE;
    }

    private void onAck(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int type = BridgeFrame.typeOf(buffer, offset, length);
        if (type != BridgeFrame.ACK || length < BridgeFrame.ACK_LENGTH)
        {
            rejected.reject(type == BridgeFrame.ACK ? "an ACK frame shorter than an ACK" :
                "a frame of a type the acknowledgement stream does not carry (or of another protocol version)",
                type == BridgeFrame.ACK ? length : type);
            return;
        }
        final long committed = buffer.getLong(offset + BridgeFrame.ACK_COMMITTED_OFFSET);
        final long ackEpoch = buffer.getLong(offset + BridgeFrame.ACK_EPOCH_OFFSET);
        if (committed < BridgeStateDescriptor.NONE || ackEpoch < 0)
        {
            // A receiver's committed end is NONE until its first HELLO, then a position; its epoch is never negative.
            rejected.reject("an ACK frame with a negative committed end or epoch", Math.min(committed, ackEpoch));
            return;
        }
        final int flags = buffer.getInt(offset + BridgeFrame.ACK_FLAGS_OFFSET);
        if (ackEpoch != receiverEpoch)
        {
            // Another receiver process: it has what it acknowledges, nothing sent to its predecessor beyond that.
            receiverEpoch = ackEpoch;
            rewindWanted = true;
        }
        if ((flags & BridgeFrame.FLAG_RESEND) != 0)
        {
            rewindWanted = true;
        }
        lastAckNanos = System.nanoTime();
        acknowledged = Math.max(acknowledged, committed);
        final long releasable = Math.min(committed, consumer.headPosition());
        if (releasable > consumer.releasedPosition())
        {
            consumer.releaseTo(releasable);
        }
    }

    /**
     * Messages published since this sender started (a resent one counts again).
     *
     * @return messages published since this sender started (a resent one counts again).
     */
    public long sentMessages()
    {
        return sentMessages;
    }

    /**
     * How often this sender went back to its released position to send again.
     *
     * @return how often this sender went back to its released position to send again.
     */
    public long rewinds()
    {
        return resentRewinds;
    }

    /**
     * Frames rejected since this sender started: malformed, or not from its receiver (see {@code docs/bridge.md}).
     *
     * @return frames rejected since this sender started.
     */
    public long rejectedFrames()
    {
        return rejected.count();
    }

    /**
     * The highest end position the receiver acknowledged, or -1.
     *
     * @return the highest end position the receiver acknowledged, or -1.
     */
    public long acknowledgedPosition()
    {
        return acknowledged;
    }

    /**
     * The position up to which this sender released its ring.
     *
     * @return the position up to which this sender released its ring.
     */
    public long releasedPosition()
    {
        return consumer.releasedPosition();
    }

    @Override
    public String toString()
    {
        return "BridgeSender(" + queue.name() + ": sent " + sentMessages + " up to " + sentEnd + ", rewinds " +
            resentRewinds +
            ", acknowledged " + acknowledged + ", released " + consumer.releasedPosition() + ", read " +
            consumer.headPosition() + (connected ? ", connected" : ", not connected") + ")";
    }

    @Override
    public void onClose()
    {
        try
        {
            CloseHelper.closeAll(data, acks, ownsLink ? link : null);
        }
        finally
        {
            // The queue role goes back even when Aeron's side is gone (a lost media driver): a successor needs it.
            consumer.close();
            state.closeAndRemove();
        }
    }

    @Override
    public String roleName()
    {
        return "shmq-bridge-sender-" + queue.name();
    }
}
