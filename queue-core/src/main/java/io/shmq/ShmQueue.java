package io.shmq;

import io.shmq.layout.QueueHeader;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RecordDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.process.OwnerLocks;
import io.shmq.process.ProcessIdentity;
import io.shmq.region.MappedFileRegion;
import io.shmq.region.Region;
import io.shmq.ring.MpscRingProducer;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingGeometry;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SpscRingProducer;
import io.shmq.wait.Waiter;
import io.shmq.wait.Waiters;
import org.agrona.concurrent.AtomicBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A named shared-memory queue: one ring in one region, found by name by every process on the host.
 *
 * <pre>{@code
 * // process A
 * try (ShmQueue queue = ShmQueue.create("orders", QueueConfig.spsc(1 << 20));
 *      RingProducer producer = queue.producer())
 * {
 *     producer.offer(1, buffer, 0, length);
 * }
 * // process B
 * try (ShmQueue queue = ShmQueue.open("orders", QueueConfig.spsc(1 << 20));
 *      RingConsumer consumer = queue.consumer())
 * {
 *     consumer.read((msgTypeId, buffer, index, length) -> handle(buffer, index, length), 100);
 * }
 * }</pre>
 *
 * <p>Queue {@code NAME} is the file {@code DIRECTORY/shmq-NAME} (see {@link QueueName}); closing a queue unmaps it
 * but keeps the file, {@link #delete} removes it. Close a queue only after its producers and consumers have
 * stopped: it closes them, and a thread still inside {@code offer} or {@code read} would touch unmapped memory.
 */
public final class ShmQueue implements AutoCloseable
{
    private static final int CREATE_OR_OPEN_ATTEMPTS = 10;

    private final String name;
    private final String description;
    private final Region region;
    private final RingKind kind;
    private final RingGeometry geometry;
    private final QueueHeader header;
    private final Waiter waiter;
    private final List<AutoCloseable> endpoints = new ArrayList<>();
    private MpscRingProducer sharedMpscProducer;
    private boolean closed;

    private ShmQueue(
        final String name, final Region region, final RingKind kind, final RingGeometry geometry, final Waiter waiter)
    {
        this.waiter = waiter;
        this.name = name;
        this.description = geometry.queue();
        this.region = region;
        this.kind = kind;
        this.geometry = geometry;
        this.header = new QueueHeader(region.buffer());
    }

    /**
     * Creates queue {@code name}; fails if anything exists under that name.
     *
     * @param name   the queue name (see {@link QueueName}).
     * @param config kind, capacity, directory and permissions.
     * @return the open queue.
     * @throws QueueExistsException when the name is taken.
     */
    public static ShmQueue create(final String name, final QueueConfig config)
    {
        JvmRequirements.requireAgronaAccess();
        final Path path = QueueName.path(config.directory(), name);
        final MappedFileRegion region = MappedFileRegion.create(
            path, QueueHeaderDescriptor.HEADER_LENGTH + config.capacity(), config.permissions(),
            buffer -> initialize(buffer, name, config));
        return attach(name, region, config);
    }

    /**
     * Opens existing queue {@code name}, checking it is the queue {@code config} describes.
     *
     * @param name   the queue name.
     * @param config the expected kind, capacity, max message length and alignment; directory; owner check.
     * @return the open queue.
     * @throws InvalidQueueException when the file is missing, not a queue, or another queue than expected.
     */
    public static ShmQueue open(final String name, final QueueConfig config)
    {
        JvmRequirements.requireAgronaAccess();
        final Path path = QueueName.path(config.directory(), name);
        final MappedFileRegion region =
            MappedFileRegion.open(path, QueueHeaderDescriptor.HEADER_LENGTH, config.allowForeignOwner());
        return attach(name, region, config);
    }

    /**
     * Opens queue {@code name} if it exists, otherwise creates it; safe when several processes race to do so.
     *
     * @param name   the queue name.
     * @param config the queue's shape; an existing queue must match it.
     * @return the open queue.
     */
    public static ShmQueue createOrOpen(final String name, final QueueConfig config)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return create(name, config);
            }
            catch (final QueueExistsException exists)
            {
                try
                {
                    return open(name, config);
                }
                catch (final InvalidQueueException ex)
                {
                    // Deleted between our create and open: try again, a bounded number of times.
                    if (attempt >= CREATE_OR_OPEN_ATTEMPTS || Files.exists(QueueName.path(config.directory(), name)))
                    {
                        throw ex;
                    }
                }
            }
        }
    }

    /**
     * Removes queue {@code name}'s file from {@code directory}. Processes that have it open keep their mapping
     * until they close it; a new {@code create} makes a new, separate queue.
     *
     * @param name      the queue name.
     * @param directory the queue directory.
     * @return true when a file was removed.
     */
    public static boolean delete(final String name, final Path directory)
    {
        final Path path = QueueName.path(directory, name);
        try
        {
            return Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new ShmqException("cannot delete queue file " + path + ": " + ex, ex);
        }
    }

    /**
     * Removes queue {@code name}'s file from {@link QueueConfig#DEFAULT_DIRECTORY}.
     *
     * @param name the queue name.
     * @return true when a file was removed.
     */
    public static boolean delete(final String name)
    {
        return delete(name, QueueConfig.DEFAULT_DIRECTORY);
    }

    /**
     * Writes a new queue header for {@code config} into an all-zero region, publishing the ready word last. For
     * region kinds other than files (queue-native's SysV segments).
     *
     * @param buffer the whole new region.
     * @param name   the queue name, recorded as a hash.
     * @param config the queue's shape.
     */
    public static void initialize(final AtomicBuffer buffer, final String name, final QueueConfig config)
    {
        final ProcessIdentity creator = ProcessIdentity.current();
        new QueueHeader(buffer).initialize(config.kind(), config.capacity(), config.maxMessageLength(),
            config.recordAlignment(), creator.pid(), creator.startTime(), System.currentTimeMillis(),
            QueueName.hash(QueueName.validate(name)));
    }

    /**
     * Attaches to a queue in any region: waits (bounded by the config's ready timeout) for the ready word, then
     * validates the header against {@code config}. Closes the region if validation fails.
     *
     * @param name   the queue name, for messages.
     * @param region the region holding the queue.
     * @param config the expected shape.
     * @return the queue, owning the region.
     * @throws InvalidQueueException naming the field, expected and found value, when the header does not match.
     */
    public static ShmQueue attach(final String name, final Region region, final QueueConfig config)
    {
        final String description = "queue '" + name + "' (" + region.description() + ")";
        try
        {
            final QueueHeader header = new QueueHeader(region.buffer());
            awaitReady(header, description, config);
            validate(header, region, name, description, config);
            final RingGeometry geometry = new RingGeometry(region.buffer(), config.capacity(),
                config.recordAlignment(), config.maxMessageLength(), description).integrityCheck(region::checkIntact)
                .ownerLocker(ownerLocker(region));
            return new ShmQueue(name, region, config.kind(), geometry,
                config.waiter() != null ? config.waiter() : Waiters.platformDefault());
        }
        catch (final RuntimeException ex)
        {
            region.close();
            throw ex;
        }
    }

    /**
     * A producer: for SPSC the one producer (a second, here or in another live process, is refused); for MPSC a
     * thread-safe producer shared by every caller in this process.
     *
     * @return the producer; closed with the queue.
     * @throws QueueOwnershipException when an SPSC ring already has a live producer.
     */
    public synchronized RingProducer producer()
    {
        checkOpen();
        if (kind == RingKind.MPSC)
        {
            if (sharedMpscProducer == null)
            {
                sharedMpscProducer = new MpscRingProducer(geometry, waiter);
                endpoints.add(sharedMpscProducer);
            }
            return sharedMpscProducer;
        }
        final SpscRingProducer producer = new SpscRingProducer(geometry, waiter);
        endpoints.add(producer);
        return producer;
    }

    /**
     * The consumer: one per queue across all processes; a dead one's role is taken over.
     *
     * @return the consumer; closed with the queue.
     * @throws QueueOwnershipException when a live consumer exists.
     */
    public synchronized RingConsumer consumer()
    {
        checkOpen();
        final RingConsumer consumer = new RingConsumer(geometry, waiter);
        endpoints.add(consumer);
        return consumer;
    }

    /**
     * The queue's name.
     *
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * Ring kind.
     *
     * @return SPSC or MPSC.
     */
    public RingKind kind()
    {
        return kind;
    }

    /**
     * Data capacity.
     *
     * @return bytes.
     */
    public int capacity()
    {
        return geometry.capacity();
    }

    /**
     * Largest payload.
     *
     * @return bytes.
     */
    public int maxMessageLength()
    {
        return geometry.maxMessageLength();
    }

    /**
     * The region the queue lives in.
     *
     * @return the region.
     */
    public Region region()
    {
        return region;
    }

    /**
     * How this queue's producers and consumer sleep and wake each other.
     *
     * @return the waiter: the config's, or {@link Waiters#platformDefault()}.
     */
    public Waiter waiter()
    {
        return waiter;
    }

    /**
     * A read view of the header, for counters, positions and owners.
     *
     * @return the header flyweight.
     */
    public QueueHeader header()
    {
        return header;
    }

    /**
     * The queue as its header says now: positions, fill, owners (alive or dead) and the consumer's heartbeat, so a
     * producer can tell a slow consumer (alive, heartbeat old) from a gone one (dead, or none).
     *
     * @return a snapshot (its attached count is -1: not looked up).
     */
    public io.shmq.inspect.QueueSnapshot snapshot()
    {
        checkOpen();
        return io.shmq.inspect.QueueSnapshot.read(name, region.description(), region.file(), region.buffer(), -1);
    }

    /**
     * Closes every producer and consumer made by this queue, then unmaps it. The file stays. Idempotent.
     */
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            for (final AutoCloseable endpoint : endpoints)
            {
                try
                {
                    endpoint.close();
                }
                catch (final Exception ignore)
                {
                    // Endpoint close only releases ownership words; unmapping must happen regardless.
                }
            }
            region.close();
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return description;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(description + " is closed");
        }
    }

    private static void awaitReady(final QueueHeader header, final String description, final QueueConfig config)
    {
        final long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        while (true)
        {
            final long magic = header.magic();
            if (magic != 0 && magic != QueueHeaderDescriptor.MAGIC)
            {
                throw mismatch(description, "magic", hex(QueueHeaderDescriptor.MAGIC), hex(magic),
                    "not a shmq queue");
            }
            if (header.readyWord() == QueueHeaderDescriptor.READY)
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                final long pid = header.creatorPid();
                final String creator = pid == 0 ? "no creator recorded" :
                    "creator pid " + pid + (ProcessIdentity.of(pid) == null ? " is gone" : " is alive");
                throw new InvalidQueueException(description + ": field 'ready' expected " +
                    QueueHeaderDescriptor.READY + ", found " + header.readyWord() + " after waiting " +
                    config.readyTimeout().toMillis() + " ms (" + creator + "): the queue was never initialised; " +
                    "delete it and create it again");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void validate(
        final QueueHeader header,
        final Region region,
        final String name,
        final String description,
        final QueueConfig config)
    {
        if (header.layoutVersion() != QueueHeaderDescriptor.LAYOUT_VERSION)
        {
            throw mismatch(description, "layout version", QueueHeaderDescriptor.LAYOUT_VERSION,
                header.layoutVersion(), "made by another shmq version");
        }
        if (header.headerLength() != QueueHeaderDescriptor.HEADER_LENGTH)
        {
            throw mismatch(description, "header length", QueueHeaderDescriptor.HEADER_LENGTH,
                header.headerLength(), "corrupt header");
        }
        final RingKind foundKind = RingKind.fromCode(header.ringKindCode());
        if (foundKind != config.kind())
        {
            throw mismatch(description, "ring kind", config.kind(),
                foundKind == null ? "unknown code " + header.ringKindCode() : foundKind,
                "open it with the kind it was created with");
        }
        final int capacity = header.capacity();
        if (capacity < QueueConfig.MIN_CAPACITY || capacity > QueueConfig.MAX_CAPACITY ||
            Integer.bitCount(capacity) != 1)
        {
            throw mismatch(description, "capacity", config.capacity(), capacity,
                "capacity must be a power of two from " + QueueConfig.MIN_CAPACITY + " to " +
                QueueConfig.MAX_CAPACITY);
        }
        if (capacity != config.capacity())
        {
            throw mismatch(description, "capacity", config.capacity(), capacity,
                "open it with the capacity it was created with");
        }
        final int alignment = header.recordAlignment();
        if (alignment != config.recordAlignment())
        {
            throw mismatch(description, "record alignment", config.recordAlignment(), alignment,
                alignment < RecordDescriptor.MIN_ALIGNMENT || alignment > RecordDescriptor.MAX_ALIGNMENT ||
                Integer.bitCount(alignment) != 1 ? "not a power of two from 8 to 128" :
                "open it with the record alignment it was created with");
        }
        if (header.maxMessageLength() != config.maxMessageLength())
        {
            throw mismatch(description, "max message length", config.maxMessageLength(),
                header.maxMessageLength(), "open it with the max message length it was created with");
        }
        final long nameHash = header.nameHash();
        if (nameHash != 0 && nameHash != QueueName.hash(name))
        {
            throw mismatch(description, "name hash", hex(QueueName.hash(name)), hex(nameHash),
                "this region holds another queue: a SysV key collision, or a renamed queue file");
        }
        final long needed = (long)QueueHeaderDescriptor.HEADER_LENGTH + capacity;
        if (region.length() < needed)
        {
            throw mismatch(description, "region length", needed, region.length(),
                "shorter than header plus capacity: truncated");
        }
    }

    private static InvalidQueueException mismatch(
        final String description, final String field, final Object expected, final Object found, final String hint)
    {
        return new InvalidQueueException(description + ": field '" + field + "' expected " + expected + ", found " +
            found + " (" + hint + ")");
    }

    private static String hex(final long value)
    {
        return "0x" + Long.toHexString(value);
    }

    /**
     * Locks on the region's file for the roles' owner tokens, when the file and a lock provider exist. The file is
     * checked again after locking, so the lock is known to be on the inode this process mapped.
     */
    private static RingGeometry.OwnerLocker ownerLocker(final Region region)
    {
        final java.nio.file.Path file = region.file();
        final OwnerLocks locks = OwnerLocks.platformDefault();
        if (file == null || locks == null)
        {
            return null;
        }
        return offset ->
        {
            final OwnerLocks.Lock lock = locks.tryLock(file, offset, Long.BYTES);
            if (lock != null)
            {
                try
                {
                    region.checkIntact();
                }
                catch (final RuntimeException ex)
                {
                    lock.close();
                    throw ex;
                }
            }
            return lock;
        };
    }
}
