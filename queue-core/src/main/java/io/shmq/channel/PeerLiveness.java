package io.shmq.channel;

import io.shmq.layout.QueueHeader;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.process.OwnerState;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Whether a channel's peer is still there, judged from the ring it reads (our outgoing ring): its owner word
 * (gone: it closed; another process's: it was replaced; its process dead: it died) and its heartbeat (too old: it
 * stopped polling). Checked at most every {@value Channel#LIVENESS_CHECK_MILLIS} ms, and refreshes our own
 * heartbeat as it does, so that two idle peers keep each other alive.
 */
final class PeerLiveness
{
    /** Polls between reads of the clock: an idle poll loop must not pay for {@code nanoTime} on every turn. */
    private static final int IDLE_POLLS_PER_CLOCK_READ = 128;

    private final QueueHeader peerReadsHeader;
    private final AtomicBuffer ourHeader;
    private final long peerToken;
    private final long peerTimeoutMillis;
    private int idlePolls;
    private long nextCheck;

    PeerLiveness(final QueueHeader peerReadsHeader, final AtomicBuffer ourHeader, final long peerTimeoutMillis)
    {
        this.peerReadsHeader = peerReadsHeader;
        this.ourHeader = ourHeader;
        this.peerToken = peerReadsHeader.consumerOwnerToken();
        this.peerTimeoutMillis = peerTimeoutMillis;
        this.nextCheck = System.nanoTime() + Channel.LIVENESS_CHECK_NANOS;
    }

    /**
     * The peer's owner token when the connection began.
     */
    long peerToken()
    {
        return peerToken;
    }

    /**
     * Counts an idle poll; true when a check is due.
     */
    boolean idleCheckDue()
    {
        if (++idlePolls < IDLE_POLLS_PER_CLOCK_READ)
        {
            return false;
        }
        idlePolls = 0;
        return System.nanoTime() - nextCheck >= 0;
    }

    /**
     * Whether a check is due, by the clock alone (for a side about to sleep, which polls too rarely for
     * {@link #idleCheckDue()}).
     */
    boolean checkDueNow()
    {
        idlePolls = 0;
        return System.nanoTime() - nextCheck >= 0;
    }

    /**
     * Refreshes our heartbeat and judges the peer.
     *
     * @return how the connection ended, or null while the peer is there.
     */
    ChannelState check()
    {
        nextCheck = System.nanoTime() + Channel.LIVENESS_CHECK_NANOS;
        // Our consumer's heartbeat, written here rather than through the consumer: the sending thread checks too.
        ourHeader.putLongRelease(QueueHeaderDescriptor.CONSUMER_HEARTBEAT_OFFSET, System.currentTimeMillis());
        final long token = peerReadsHeader.consumerOwnerToken();
        if (token == 0)
        {
            // The peer gave its role up without a CLOSE (a close that found the ring full).
            return ChannelState.PEER_CLOSED;
        }
        if (token != peerToken ||
            OwnerState.of(token, peerReadsHeader.consumerOwnerNamespace()) == OwnerState.DEAD)
        {
            return ChannelState.PEER_DIED;
        }
        if (System.currentTimeMillis() - peerReadsHeader.consumerHeartbeat() > peerTimeoutMillis)
        {
            return ChannelState.PEER_TIMED_OUT;
        }
        return null;
    }
}
