package io.shmq.layout;

import org.agrona.concurrent.AtomicBuffer;

import static io.shmq.layout.QueueHeaderDescriptor.*;

/**
 * A flyweight over a queue header (see {@link QueueHeaderDescriptor} for the byte picture): writes a new header
 * and reads fields for validation and tools. Control words are read with acquire, never plain.
 */
public final class QueueHeader
{
    private final AtomicBuffer buffer;

    /**
     * A view of the header at offset 0 of {@code buffer}.
     *
     * @param buffer the region's buffer, at least {@link QueueHeaderDescriptor#HEADER_LENGTH} bytes.
     */
    public QueueHeader(final AtomicBuffer buffer)
    {
        if (buffer.capacity() < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("buffer of " + buffer.capacity() + " bytes cannot hold the " +
                HEADER_LENGTH + "-byte queue header");
        }
        this.buffer = buffer;
    }

    /**
     * Writes the identity of a new queue into an all-zero header, the ready word last with release.
     *
     * @param kind               ring kind.
     * @param capacity           data area length.
     * @param maxMessageLength   largest payload.
     * @param recordAlignment    record alignment.
     * @param creatorPid         pid of the creating process.
     * @param creatorStartTime   its start time in clock ticks since boot.
     * @param creationEpochMillis creation time.
     * @param nameHash           FNV-1a hash of the queue name, 0 if not recorded.
     */
    public void initialize(
        final RingKind kind,
        final int capacity,
        final int maxMessageLength,
        final int recordAlignment,
        final long creatorPid,
        final long creatorStartTime,
        final long creationEpochMillis,
        final long nameHash)
    {
        buffer.putLong(MAGIC_OFFSET, MAGIC);
        buffer.putInt(LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        buffer.putInt(RING_KIND_OFFSET, kind.code());
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putInt(MAX_MESSAGE_LENGTH_OFFSET, maxMessageLength);
        buffer.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        buffer.putInt(RECORD_ALIGNMENT_OFFSET, recordAlignment);
        buffer.putLong(CREATOR_PID_OFFSET, creatorPid);
        buffer.putLong(CREATOR_START_TIME_OFFSET, creatorStartTime);
        buffer.putLong(CREATION_TIME_OFFSET, creationEpochMillis);
        buffer.putLong(NAME_HASH_OFFSET, nameHash);
        buffer.putIntRelease(READY_OFFSET, READY);
    }

    /**
     * The magic word.
     *
     * @return {@link QueueHeaderDescriptor#MAGIC} for a shmq queue.
     */
    public long magic()
    {
        return buffer.getLongVolatile(MAGIC_OFFSET);
    }

    /**
     * The ready word, read with acquire: fields written before it are visible once it reads {@code READY}.
     *
     * @return {@link QueueHeaderDescriptor#READY} once initialised.
     */
    public int readyWord()
    {
        return buffer.getIntAcquire(READY_OFFSET);
    }

    /**
     * Layout version.
     *
     * @return the version field.
     */
    public int layoutVersion()
    {
        return buffer.getInt(LAYOUT_VERSION_OFFSET);
    }

    /**
     * Ring kind code.
     *
     * @return the raw ring-kind field.
     */
    public int ringKindCode()
    {
        return buffer.getInt(RING_KIND_OFFSET);
    }

    /**
     * Data capacity.
     *
     * @return the capacity field.
     */
    public int capacity()
    {
        return buffer.getInt(CAPACITY_OFFSET);
    }

    /**
     * Largest payload.
     *
     * @return the max message length field.
     */
    public int maxMessageLength()
    {
        return buffer.getInt(MAX_MESSAGE_LENGTH_OFFSET);
    }

    /**
     * Offset of the data area.
     *
     * @return the header length field.
     */
    public int headerLength()
    {
        return buffer.getInt(HEADER_LENGTH_OFFSET);
    }

    /**
     * Record alignment.
     *
     * @return the record alignment field.
     */
    public int recordAlignment()
    {
        return buffer.getInt(RECORD_ALIGNMENT_OFFSET);
    }

    /**
     * Pid of the creator.
     *
     * @return the creator pid field.
     */
    public long creatorPid()
    {
        return buffer.getLong(CREATOR_PID_OFFSET);
    }

    /**
     * Start time of the creator.
     *
     * @return the creator start time field.
     */
    public long creatorStartTime()
    {
        return buffer.getLong(CREATOR_START_TIME_OFFSET);
    }

    /**
     * Creation time.
     *
     * @return epoch milliseconds.
     */
    public long creationEpochMillis()
    {
        return buffer.getLong(CREATION_TIME_OFFSET);
    }

    /**
     * Hash of the queue name recorded at creation.
     *
     * @return the name hash, 0 if not recorded.
     */
    public long nameHash()
    {
        return buffer.getLong(NAME_HASH_OFFSET);
    }

    /**
     * Tail position, read with acquire.
     *
     * @return the tail position.
     */
    public long tailPosition()
    {
        return buffer.getLongAcquire(TAIL_POSITION_OFFSET);
    }

    /**
     * Head position, read with acquire.
     *
     * @return the head position.
     */
    public long headPosition()
    {
        return buffer.getLongAcquire(HEAD_POSITION_OFFSET);
    }

    /**
     * Last consumer heartbeat.
     *
     * @return epoch milliseconds, 0 if no consumer ever attached.
     */
    public long consumerHeartbeat()
    {
        return buffer.getLongAcquire(CONSUMER_HEARTBEAT_OFFSET);
    }

    /**
     * Consumer owner token.
     *
     * @return the token, 0 when there is no consumer.
     */
    public long consumerOwnerToken()
    {
        return buffer.getLongAcquire(CONSUMER_OWNER_OFFSET);
    }

    /**
     * SPSC producer owner token.
     *
     * @return the token, 0 when there is no SPSC producer.
     */
    public long producerOwnerToken()
    {
        return buffer.getLongAcquire(PRODUCER_OWNER_OFFSET);
    }

    /**
     * The PID namespace of the consumer's owner.
     *
     * @return the namespace's inode number, 0 when not recorded.
     */
    public long consumerOwnerNamespace()
    {
        return buffer.getLongAcquire(CONSUMER_OWNER_NAMESPACE_OFFSET);
    }

    /**
     * The PID namespace of the SPSC producer's owner.
     *
     * @return the namespace's inode number, 0 when not recorded.
     */
    public long producerOwnerNamespace()
    {
        return buffer.getLongAcquire(PRODUCER_OWNER_NAMESPACE_OFFSET);
    }

    /**
     * Consumer owner's lock word: 1 while it holds the file lock on its token.
     *
     * @return 0 or 1.
     */
    public long consumerOwnerLock()
    {
        return buffer.getLongAcquire(QueueHeaderDescriptor.CONSUMER_OWNER_LOCK_OFFSET);
    }

    /**
     * SPSC producer owner's lock word: 1 while it holds the file lock on its token.
     *
     * @return 0 or 1.
     */
    public long producerOwnerLock()
    {
        return buffer.getLongAcquire(QueueHeaderDescriptor.PRODUCER_OWNER_LOCK_OFFSET);
    }

    /**
     * A counter from the header's counter line.
     *
     * @param index one of the {@code COUNTER_*} indexes.
     * @return its value.
     */
    public long counter(final int index)
    {
        return buffer.getLongAcquire(counterOffset(index));
    }
}
