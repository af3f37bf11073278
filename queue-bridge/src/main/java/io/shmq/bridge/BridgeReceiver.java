package io.shmq.bridge;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.shmq.ShmQueue;
import io.shmq.layout.BridgeStateDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.ring.SlotClaim;
import io.shmq.ring.SpscRingProducer;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The receiving half of a bridge: takes the messages of an Aeron subscription and writes each, with its type id
 * and length, into a local queue exactly once and in order, across restarts of either side, and acknowledges what
 * it committed on a second stream. It must be the local queue's only producer (an SPSC queue): after a crash it
 * asks the ring whether its last commit happened ({@link SpscRingProducer#isCommitted}).
 *
 * <p>An Agrona {@link Agent}: drive it with {@link #doWork()} from one thread (an {@code AgentRunner}, or
 * {@link QueueBridge}; made with its public constructor it runs its Aeron media driver (embedded) and client on
 * that same thread). When the local queue is full it stops taking from Aeron, whose flow control then holds
 * the sender back; after {@link BridgeConfig#fullQueueTimeout()} of that it fails.
 *
 * <p>A message longer than a datagram arrives in Aeron fragments; each is copied straight into the slot the
 * message claimed in the local ring when its first fragment came, and the last commits it (no reassembly buffer:
 * one copy less of every long message).
 */
public final class BridgeReceiver implements Agent
{
    private static final int FRAGMENT_LIMIT = 64;
    private static final long ACK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How long a commit may wait for the next acknowledgement when less than {@link #ackBytes} came since. */
    private static final long ACK_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int MAX_ACK_BYTES = 256 << 10;
    private static final long RESEND_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ShmQueue queue;
    private final QueueShape shape;
    private final BridgeConfig config;
    private final SpscRingProducer producer;
    private final BridgeState state;
    private final RejectedFrames rejected;
    private final DataStreamCheck check;
    private final AeronLink link;
    /** Whether this receiver opened {@link #link} itself, and so drives and closes it. */
    private final boolean ownsLink;
    private final Subscription data;
    private final ExclusivePublication acks;
    private final ControlledFragmentHandler fragmentHandler = this::onFragment;
    private final SlotClaim claim = new SlotClaim();
    /** Aeron session of the long message being written into {@link #claim} (or skipped), fragment by fragment. */
    private int partSession;
    /** Its payload bytes written so far. */
    private int partWritten;
    /** Its end position in the sender's ring. */
    private long partEnd;
    /** Whether the rest of the long message under way is dropped (committed before, or after a gap). */
    private boolean skippingParts;
    private final UnsafeBuffer ackFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(BridgeFrame.ACK_LENGTH));
    private final long epoch = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    private final long startedNanos = System.nanoTime();
    /**
     * Progress that is acknowledged at once: a quarter of the ring (the sender holds the ring until then), at most
     * 256 KiB. One acknowledgement per commit cost a datagram per few messages, as many as the data took; one per
     * sixteenth of the ring still put one on every fourth round trip of 16 KiB messages, where it took a turn of
     * the sending host's receive poll from the answer coming on the same channel.
     */
    private final int ackBytes;
    private long acknowledged = Long.MIN_VALUE;
    private long lastAckNanos;
    private long lastTouchNanos;
    private long resendAskedNanos;
    private boolean gap;
    private long fullSinceNanos;
    private boolean connected;
    private long committedMessages;
    private long duplicates;
    private BridgeException failure;
    private volatile boolean imageJoined;

    /**
     * Starts receiving into {@code queue}: recovers a commit its predecessor may have died in, connects to Aeron
     * and subscribes.
     *
     * @param queue  the local queue, SPSC, whose producer this receiver becomes.
     * @param config the bridge's channels.
     * @throws BridgeException when the queue is not SPSC, its state file is not a bridge's, or Aeron is not there.
     */
    public BridgeReceiver(final ShmQueue queue, final BridgeConfig config)
    {
        this(queue, config, null);
    }

    /**
     * A receiver on {@code shared}, which its caller drives and closes; or, when null, on a link of its own.
     */
    BridgeReceiver(final ShmQueue queue, final BridgeConfig config, final AeronLink shared)
    {
        if (queue.kind() != RingKind.SPSC)
        {
            throw new BridgeException("queue '" + queue.name() + "' is " + queue.kind() + ": a bridge receiver " +
                "must be its only producer, so that it can tell after a crash whether its last commit happened; " +
                "create the queue on this host as SPSC");
        }
        this.queue = queue;
        this.shape = QueueShape.of(queue);
        this.config = config;
        this.producer = (SpscRingProducer)queue.producer();
        try
        {
            this.state = BridgeState.open(queue, true);
        }
        catch (final RuntimeException ex)
        {
            producer.close();
            throw ex;
        }
        recover();
        this.rejected = new RejectedFrames("the bridge receiver of queue '" + queue.name() + "'", state);
        this.check = new DataStreamCheck(rejected, shape.maxMessageLength());
        this.ownsLink = shared == null;
        this.ackBytes = Math.min(MAX_ACK_BYTES, shape.capacity() / 4);
        AeronLink opened = null;
        Subscription subscription = null;
        ExclusivePublication publication = null;
        try
        {
            opened = shared != null ? shared : AeronLink.open(config, "receive-" + queue.name());
            // A new image joins the sender's stream where it is now: what was sent before it (a resend asked for
            // by this receiver's predecessor, say) never arrives here. Ask for it again.
            subscription = opened.aeron().addSubscription(config.dataChannel(), config.streamId(),
                image -> imageJoined = true, image -> { });
            publication = opened.aeron().addExclusivePublication(config.ackChannel(), config.streamId() + 1);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(subscription, publication, ownsLink ? opened : null);
            state.close();
            producer.close();
            throw ex;
        }
        this.link = opened;
        this.data = subscription;
        this.acks = publication;
    }

    /**
     * A predecessor that died between noting a commit and noting it done left the pending end above the committed
     * one: the ring says whether the record was committed.
     */
    private void recover()
    {
        final long pendingEnd = state.second();
        if (pendingEnd > state.end() && producer.isCommitted(state.third()))
        {
            state.end(pendingEnd);
        }
    }

    @Override
    public int doWork()
    {
        if (failure != null)
        {
            throw failure;
        }
        final long now = System.nanoTime();
        // Aeron's turn first, so that what it just received is taken in the same duty cycle.
        int work = ownsLink ? link.invoke() : 0;
        if (imageJoined)
        {
            imageJoined = false;
            gap = true;
        }
        work += data.controlledPoll(fragmentHandler, FRAGMENT_LIMIT);
        if (failure != null)
        {
            throw failure;
        }
        connected |= data.isConnected();
        if (!connected && now - startedNanos > config.connectTimeout().toNanos())
        {
            throw new BridgeException("no bridge sender connected on " + config.dataChannel() + " (stream " +
                config.streamId() + ") within " + config.connectTimeout().toMillis() + " ms: is the sender running " +
                "and does its data channel name this host's endpoint?");
        }
        work += acknowledge(now);
        if (now - lastTouchNanos > TOUCH_INTERVAL_NANOS)
        {
            lastTouchNanos = now;
            state.touch();
        }
        return work;
    }

    private int acknowledge(final long now)
    {
        final long committed = state.end();
        final boolean resend = gap && now - resendAskedNanos > RESEND_INTERVAL_NANOS;
        final long since = now - lastAckNanos;
        final boolean due = committed == acknowledged ? since >= ACK_INTERVAL_NANOS :
            committed - acknowledged >= ackBytes || since >= ACK_DELAY_NANOS || acknowledged == Long.MIN_VALUE;
        if (!due && !resend)
        {
            return 0;
        }
        BridgeFrame.putAck(ackFrame, committed, epoch, resend ? BridgeFrame.FLAG_RESEND : 0);
        if (acks.offer(ackFrame, 0, BridgeFrame.ACK_LENGTH) > 0)
        {
            acknowledged = committed;
            lastAckNanos = now;
            if (resend)
            {
                resendAskedNanos = now;
            }
            return 1;
        }
        return 0;
    }

    private Action onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        try
        {
            return takeFragment(buffer, offset, length, header);
        }
        catch (final RuntimeException ex)
        {
            // Aeron would report it and go on past the fragment: stop instead, with the cause (a broken local ring,
            // say); what was not committed comes again to the next receiver.
            failure = ex instanceof BridgeException ? (BridgeException)ex : new BridgeException("the receiver of " +
                "queue '" + queue.name() + "' failed to take a message: " + ex.getMessage(), ex);
            return Action.ABORT;
        }
    }

    private Action takeFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final byte flags = header.flags();
        final boolean first = (flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0;
        final boolean last = (flags & FrameDescriptor.END_FRAG_FLAG) != 0;
        if (claim.isActive() || skippingParts)
        {
            if (!first && header.sessionId() == partSession)
            {
                return onLaterPart(buffer, offset, length, last);
            }
            // Another message, or another sender's stream, before the last part came: that sender was replaced
            // mid-message. Give the part up; the new stream's sequence tells whether to ask for it again.
            abandonPart();
        }
        if (first && last)
        {
            return onFrame(buffer, offset, length);
        }
        // A later part of a message whose first part came before this receiver joined: the next message's
        // predecessor, or the next HELLO, shows the gap.
        return first ? onFirstPart(buffer, offset, length, header.sessionId()) : Action.CONTINUE;
    }

    /**
     * The first fragment of a MESSAGE frame (only those span several datagrams): claims the message's slot in the
     * local ring and writes what this fragment carries of it.
     */
    private Action onFirstPart(final DirectBuffer buffer, final int offset, final int length, final int session)
    {
        partSession = session;
        final int type = BridgeFrame.typeOf(buffer, offset, length);
        if (type != BridgeFrame.MESSAGE)
        {
            // Its later parts are dropped with it.
            rejected.reject("a frame in fragments that is not a MESSAGE (or of another protocol version)", type);
            skippingParts = true;
            return Action.CONTINUE;
        }
        if (!check.messageHeader(buffer, offset, length, false))
        {
            skippingParts = true;
            return Action.CONTINUE;
        }
        final int payload = buffer.getInt(offset + BridgeFrame.MESSAGE_LENGTH_OFFSET);
        if (state.end() == BridgeStateDescriptor.NONE)
        {
            gap = true;
            skippingParts = true;
            return Action.CONTINUE;
        }
        final long previousEnd = buffer.getLong(offset + BridgeFrame.MESSAGE_PREVIOUS_END_OFFSET);
        final long end = buffer.getLong(offset + BridgeFrame.MESSAGE_END_OFFSET);
        final Entry entry = sequence(previousEnd, end);
        if (entry != Entry.COMMITTED)
        {
            skippingParts = true;
            return Action.CONTINUE;
        }
        if (!claimSlot(buffer.getInt(offset + BridgeFrame.MESSAGE_TYPE_ID_OFFSET), payload))
        {
            // Nothing of the message taken: Aeron hands this fragment over again.
            return Action.ABORT;
        }
        partEnd = end;
        partWritten = length - BridgeFrame.MESSAGE_HEADER_LENGTH;
        claim.buffer().putBytes(claim.offset(), buffer, offset + BridgeFrame.MESSAGE_HEADER_LENGTH, partWritten);
        return Action.CONTINUE;
    }

    private Action onLaterPart(final DirectBuffer buffer, final int offset, final int length, final boolean last)
    {
        if (skippingParts)
        {
            skippingParts = !last;
            return Action.CONTINUE;
        }
        // partWritten <= claim.length(): the differences cannot overflow.
        if (length > claim.length() - partWritten || last && length != claim.length() - partWritten)
        {
            rejected.reject("a fragment running past (or ending short of) the length its MESSAGE frame said",
                length);
            abandonPart();
            return Action.CONTINUE;
        }
        claim.buffer().putBytes(claim.offset() + partWritten, buffer, offset, length);
        partWritten += length;
        if (last)
        {
            commitClaimed(partEnd);
        }
        return Action.CONTINUE;
    }

    /**
     * Gives up the long message under way: its claim is aborted (the SPSC ring's tail never moved, the slot is zeroed,
     * the consumer sees nothing of it), and it is asked for again.
     */
    private void abandonPart()
    {
        if (claim.isActive())
        {
            claim.abort();
            gap = true;
        }
        skippingParts = false;
    }

    /** A frame in one datagram: DATA, HELLO, or a MESSAGE that fits. */
    private Action onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        final int type = BridgeFrame.typeOf(buffer, offset, length);
        if (type == BridgeFrame.HELLO)
        {
            onHello(buffer, offset, length);
            return Action.CONTINUE;
        }
        final boolean single = type == BridgeFrame.MESSAGE;
        final boolean wellFormed;
        if (single)
        {
            wellFormed = check.messageHeader(buffer, offset, length, true);
        }
        else if (type == BridgeFrame.DATA)
        {
            wellFormed = check.data(buffer, offset, length);
        }
        else
        {
            rejected.reject("a frame of a type the data stream does not carry (or of another protocol version)", type);
            wellFormed = false;
        }
        if (!wellFormed)
        {
            return Action.CONTINUE;
        }
        if (state.end() == BridgeStateDescriptor.NONE)
        {
            // Before the sender's HELLO told where its stream starts: drop it, and have it sent again after one.
            gap = true;
            return Action.CONTINUE;
        }
        if (single)
        {
            final int payload = length - BridgeFrame.MESSAGE_HEADER_LENGTH;
            return onMessage(buffer.getLong(offset + BridgeFrame.MESSAGE_PREVIOUS_END_OFFSET),
                buffer.getLong(offset + BridgeFrame.MESSAGE_END_OFFSET),
                buffer.getInt(offset + BridgeFrame.MESSAGE_TYPE_ID_OFFSET), buffer,
                offset + BridgeFrame.MESSAGE_HEADER_LENGTH, payload) == Entry.FULL ? Action.ABORT : Action.CONTINUE;
        }
        // Checked whole above: every entry lies inside the frame.
        long previousEnd = buffer.getLong(offset + BridgeFrame.DATA_PREVIOUS_END_OFFSET);
        final int count = buffer.getInt(offset + BridgeFrame.DATA_COUNT_OFFSET);
        int at = offset + BridgeFrame.DATA_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            final int payload = buffer.getInt(at + BridgeFrame.ENTRY_LENGTH_OFFSET);
            final long end = buffer.getLong(at + BridgeFrame.ENTRY_END_OFFSET);
            final Entry entry = onMessage(previousEnd, end, buffer.getInt(at + BridgeFrame.ENTRY_TYPE_ID_OFFSET),
                buffer, at + BridgeFrame.ENTRY_HEADER_LENGTH, payload);
            if (entry == Entry.GAP)
            {
                return Action.CONTINUE;
            }
            if (entry == Entry.FULL)
            {
                // The whole frame comes again; what was committed of it is then dropped.
                return Action.ABORT;
            }
            previousEnd = end;
            at += BridgeFrame.entryLength(payload);
        }
        return Action.CONTINUE;
    }

    /** What became of a message that arrived. */
    private enum Entry
    {
        COMMITTED, DUPLICATE, GAP, FULL
    }

    private Entry onMessage(final long previousEnd, final long end, final int typeId, final DirectBuffer buffer,
        final int index, final int length)
    {
        final Entry entry = sequence(previousEnd, end);
        if (entry != Entry.COMMITTED)
        {
            return entry;
        }
        if (!claimSlot(typeId, length))
        {
            return Entry.FULL;
        }
        claim.buffer().putBytes(claim.offset(), buffer, index, length);
        commitClaimed(end);
        return Entry.COMMITTED;
    }

    /**
     * Where a message stands against what was committed: DUPLICATE (committed before), GAP (something before it
     * is missing), or COMMITTED when it is the next one to commit.
     */
    private Entry sequence(final long previousEnd, final long end)
    {
        final long committed = state.end();
        if (end <= committed)
        {
            // Committed before (a resend after a restart or a rewind): drop it.
            duplicates++;
            return Entry.DUPLICATE;
        }
        if (previousEnd != committed)
        {
            // Something between was lost with a broken image: ask for everything after the committed end again.
            gap = true;
            return Entry.GAP;
        }
        return Entry.COMMITTED;
    }

    /**
     * Claims a message's slot in the local queue.
     *
     * @return false when the queue is full (or has been for too long: then the receiver fails).
     */
    private boolean claimSlot(final int typeId, final int length)
    {
        if (!producer.claim(typeId, length, claim))
        {
            final long now = System.nanoTime();
            if (fullSinceNanos == 0)
            {
                fullSinceNanos = now;
            }
            else if (now - fullSinceNanos > config.fullQueueTimeout().toNanos())
            {
                failure = new BridgeException("queue '" + queue.name() + "' on this host has been full for " +
                    config.fullQueueTimeout().toMillis() + " ms: is its consumer running?");
            }
            return false;
        }
        fullSinceNanos = 0;
        return true;
    }

    /**
     * Commits the claimed message, written whole: notes the commit, makes it, notes it done.
     */
    private void commitClaimed(final long end)
    {
        state.begin(end, producer.tailPosition());
        claim.commit();
        state.end(end);
        committedMessages++;
        state.messages(committedMessages);
        gap = false;
    }

    private void onHello(final DirectBuffer buffer, final int offset, final int length)
    {
        final QueueShape sender = check.hello(buffer, offset, length);
        if (sender == null)
        {
            return;
        }
        final String mismatch = shape.mismatchWith(sender);
        if (mismatch != null)
        {
            failure = new BridgeException(mismatch);
            return;
        }
        final long released = buffer.getLong(offset + BridgeFrame.HELLO_RELEASED_OFFSET);
        final long sentEnd = buffer.getLong(offset + BridgeFrame.HELLO_SENT_END_OFFSET);
        long committed = state.end();
        final long known = state.incarnation();
        if (known != 0 && known != sender.incarnation())
        {
            // Its positions started at 0 again: taken for old ones, every new message would be dropped.
            failure = new BridgeException("queue '" + queue.name() + "' on the sending host was created again " +
                "since this receiver committed its messages up to position " + committed + " (of the earlier " +
                "one): to carry the new one over, stop this receiver, remove " + state.file() + " and start it again");
            return;
        }
        if (committed == BridgeStateDescriptor.NONE)
        {
            // First contact: nothing before the sender's released position was ever acknowledged by anyone.
            state.incarnation(sender.incarnation());
            state.end(released);
            committed = released;
        }
        else if (known == 0)
        {
            state.incarnation(sender.incarnation());
        }
        if (sentEnd > committed)
        {
            // Every DATA frame sent before this HELLO came before it on the stream: those not here were lost.
            gap = true;
        }
        if (released > committed)
        {
            failure = new BridgeException("the sender of queue '" + queue.name() + "' released its ring up to " +
                "position " + released + " but this receiver committed only up to " + committed + ": its state " +
                state.file() + " belongs to another bridge or was reset; messages in between are not here");
        }
    }

    /**
     * Whether the sender's stream reaches this receiver (Aeron has an image of it). Goes false when the sending
     * side has been silent for Aeron's image liveness timeout ({@code aeron.image.liveness.timeout}, 10 s).
     *
     * @return true while connected.
     */
    public boolean isConnected()
    {
        return data.isConnected();
    }

    /**
     * Messages written into the local queue since this receiver started.
     *
     * @return messages written into the local queue since this receiver started.
     */
    public long committedMessages()
    {
        return committedMessages;
    }

    /**
     * Messages dropped as already committed since this receiver started.
     *
     * @return messages dropped as already committed since this receiver started.
     */
    public long duplicates()
    {
        return duplicates;
    }

    /**
     * Frames rejected since this receiver started: malformed, or not from its sender (see {@code docs/bridge.md}).
     *
     * @return frames rejected since this receiver started.
     */
    public long rejectedFrames()
    {
        return rejected.count();
    }

    /**
     * The end position, in the sender's ring, of the last message committed here.
     *
     * @return the end position, in the sender's ring, of the last message committed here.
     */
    public long committedPosition()
    {
        return state.end();
    }

    @Override
    public String toString()
    {
        return "BridgeReceiver(" + queue.name() + ": committed " + committedMessages + " up to " + state.end() +
            ", duplicates " + duplicates + ", rejected frames " + rejected.count() +
            (gap ? ", waiting for a resend" : "") + (data.isConnected() ? ", connected" : ", not connected") + ")";
    }

    @Override
    public void onClose()
    {
        // The producer role goes back with the bridge: the queue stays open, and a new receiver may take it.
        try
        {
            CloseHelper.closeAll(data, acks, ownsLink ? link : null);
        }
        finally
        {
            // Even when Aeron's side is gone (a lost media driver): a successor needs the role and the state.
            if (claim.isActive())
            {
                claim.abort();
            }
            state.close();
            producer.close();
        }
    }

    @Override
    public String roleName()
    {
        return "shmq-bridge-receiver-" + queue.name();
    }
}
