package io.shmq.inspect;

import io.shmq.ShmQueue;
import io.shmq.layout.QueueHeader;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.QueueHeaderValidator;
import io.shmq.layout.RingKind;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import io.shmq.region.Region;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.file.Path;

/**
 * The state of one queue as read from its header at one moment, for tools: identity, shape, positions, owners and
 * counters. Reading never writes.
 *
 * @param name             the queue's name (or, for a SysV segment, its key).
 * @param location         its file or segment.
 * @param valid            false when the magic or layout version is not shmq's (the other fields are then 0).
 * @param kind             ring kind, or null when unknown.
 * @param capacity         data capacity in bytes.
 * @param maxMessageLength largest payload.
 * @param alignment        record alignment.
 * @param head             consumer's released position.
 * @param tail             producers' position.
 * @param consumerToken    the consumer's owner word.
 * @param producerToken    the SPSC producer's owner word (0 for MPSC).
 * @param consumerNamespace the consumer owner's PID namespace (0 unknown).
 * @param producerNamespace the SPSC producer owner's PID namespace (0 unknown).
 * @param consumerLock     the consumer owner's lock word (1: it holds a file lock on its token).
 * @param producerLock     the SPSC producer owner's lock word.
 * @param file             the queue file, or null for a SysV segment.
 * @param heartbeatMillis  the consumer's last heartbeat (epoch millis, 0 if never).
 * @param creatorPid       pid of the creating process.
 * @param creationMillis   creation time (epoch millis).
 * @param attached         processes that have it mapped or attached (-1 when unknown).
 * @param counters         the header's counters.
 */
public record QueueSnapshot(
    String name,
    String location,
    boolean valid,
    RingKind kind,
    int capacity,
    int maxMessageLength,
    int alignment,
    long head,
    long tail,
    long consumerToken,
    long producerToken,
    long consumerNamespace,
    long producerNamespace,
    long consumerLock,
    long producerLock,
    Path file,
    long heartbeatMillis,
    long creatorPid,
    long creationMillis,
    int attached,
    long[] counters)
{
    /**
     * The queue as its header says now: positions, fill, owners (alive or dead) and the consumer's heartbeat, so a
     * producer can tell a slow consumer (alive, heartbeat old) from a gone one (dead, or none).
     *
     * @param queue an open queue.
     * @return a snapshot (its attached count is -1: not looked up).
     */
    public static QueueSnapshot of(final ShmQueue queue)
    {
        final Region region = queue.region();
        return read(queue.name(), region.description(), region.file(), region.buffer(), -1);
    }

    /**
     * Reads a header.
     *
     * @param name     the queue's name.
     * @param location its file or segment.
     * @param header   a buffer over at least the header.
     * @param attached processes attached, or -1.
     * @return the snapshot.
     */
    public static QueueSnapshot read(final String name, final String location, final AtomicBuffer header,
        final int attached)
    {
        return read(name, location, null, header, attached);
    }

    /**
     * Reads the header of a queue file: owners of another PID namespace that locked their role can then be told
     * alive or dead.
     *
     * @param name     the queue's name.
     * @param location its file or segment, for people.
     * @param file     the queue file, or null.
     * @param header   a buffer over at least the header.
     * @param attached processes attached, or -1.
     * @return the snapshot.
     */
    public static QueueSnapshot read(final String name, final String location, final Path file,
        final AtomicBuffer header, final int attached)
    {
        final QueueHeader fields = new QueueHeader(header);
        if (!QueueHeaderValidator.isReadable(header))
        {
            return new QueueSnapshot(name, location, false, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, file, 0, 0, 0,
                attached, new long[0]);
        }
        final long[] counters = new long[QueueHeaderDescriptor.COUNTER_COUNT];
        for (int i = 0; i < counters.length; i++)
        {
            counters[i] = fields.counter(i);
        }
        return new QueueSnapshot(name, location, true, RingKind.fromCode(fields.ringKindCode()), fields.capacity(),
            fields.maxMessageLength(), fields.recordAlignment(), fields.headPosition(), fields.tailPosition(),
            fields.consumerOwnerToken(), fields.producerOwnerToken(), fields.consumerOwnerNamespace(),
            fields.producerOwnerNamespace(), fields.consumerOwnerLock(), fields.producerOwnerLock(), file,
            fields.consumerHeartbeat(),
            fields.creatorPid(), fields.creationEpochMillis(), attached, counters);
    }

    /**
     * Bytes between head and tail: written and not yet released.
     *
     * @return the fill in bytes.
     */
    public long fill()
    {
        return Math.max(0, tail - head);
    }

    /**
     * The consumer role's state.
     *
     * @return none, alive or dead.
     */
    public OwnerState consumer()
    {
        return OwnerState.of(consumerToken, consumerNamespace, consumerLock, file,
            QueueHeaderDescriptor.CONSUMER_OWNER_OFFSET);
    }

    /**
     * The SPSC producer role's state (always {@link OwnerState#NONE} for MPSC, whose producers are not registered).
     *
     * @return none, alive or dead.
     */
    public OwnerState producer()
    {
        return OwnerState.of(producerToken, producerNamespace, producerLock, file,
            QueueHeaderDescriptor.PRODUCER_OWNER_OFFSET);
    }

    /**
     * Describes the consumer's owner for people.
     *
     * @return e.g. {@code "pid 4242 (alive)"}, {@code "pid 1 (other pid ns)"} or {@code "-"}.
     */
    public String describeConsumer()
    {
        return describe(consumerToken, consumer());
    }

    /**
     * Describes the SPSC producer's owner for people.
     *
     * @return e.g. {@code "pid 4242 (alive)"} or {@code "-"}.
     */
    public String describeProducer()
    {
        return describe(producerToken, producer());
    }

    /**
     * Whether nobody uses the queue any more: valid, no live owner, and (when known) no process attached. Such a
     * queue can be removed without harming anyone.
     *
     * @return true for a stale queue.
     */
    public boolean isStale()
    {
        return valid && gone(consumer()) && gone(producer()) && attached == 0;
    }

    private static boolean gone(final OwnerState owner)
    {
        return owner == OwnerState.NONE || owner == OwnerState.DEAD;
    }

    private static String describe(final long token, final OwnerState state)
    {
        if (token == 0)
        {
            return "-";
        }
        return "pid " + ProcessIdentity.fromToken(token).pid() + " (" +
            (state == OwnerState.UNKNOWN ? "other pid ns" : state.name().toLowerCase()) + ")";
    }
}
