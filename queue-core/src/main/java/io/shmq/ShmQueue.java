package io.shmq;

import io.shmq.errors.InvalidQueueException;
import io.shmq.errors.QueueClosedException;
import io.shmq.errors.QueueNotFoundException;
import io.shmq.errors.QueueExistsException;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.layout.QueueHeader;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.QueueHeaderValidator;
import io.shmq.layout.RingKind;
import io.shmq.platform.JvmRequirements;
import io.shmq.process.OwnerLocks;
import io.shmq.process.ProcessIdentity;
import io.shmq.region.MappingGuard;
import io.shmq.region.Region;
import io.shmq.ring.MpscRingProducer;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.Ring;
import io.shmq.ring.RingProducer;
import io.shmq.ring.SpscRingProducer;
import io.shmq.wait.Waiter;
import io.shmq.wait.Waiters;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.file.Path;
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
 * but keeps the file, {@link #delete} removes it. Any thread may close a queue at any moment, also while other
 * threads offer, read or wait: those calls finish, or throw {@link QueueClosedException}, and the memory is
 * unmapped only when the last of them has returned (see {@link MappingGuard}).
 */
public final class ShmQueue implements AutoCloseable
{
    private static final int CREATE_OR_OPEN_ATTEMPTS = 10;

    private final String name;
    private final String description;
    private final Region region;
    private final RingKind kind;
    private final Ring ring;
    private final QueueHeader header;
    private final Waiter waiter;
    private final MappingGuard guard;
    private MpscRingProducer sharedMpscProducer;
    private volatile boolean closed;

    private ShmQueue(
        final String name, final Region region, final RingKind kind, final Ring ring, final Waiter waiter)
    {
        this.guard = ring.guard();
        this.waiter = waiter;
        this.name = name;
        this.description = ring.queue();
        this.region = region;
        this.kind = kind;
        this.ring = ring;
        this.header = new QueueHeader(region.buffer());
    }

    /**
     * Creates queue {@code name} as a file; fails if anything exists under that name.
     *
     * @param name   the queue name (see {@link QueueName}).
     * @param config kind, capacity, directory and permissions.
     * @return the open queue.
     * @throws QueueExistsException when the name is taken.
     */
    public static ShmQueue create(final String name, final QueueConfig config)
    {
        return create(name, config, TmpfsRegionFactory.INSTANCE);
    }

    /**
     * Creates queue {@code name} in a region of {@code regions}; fails if anything exists under that name. If the
     * new queue cannot be attached, it is removed again.
     *
     * @param name    the queue name (see {@link QueueName}).
     * @param config  the queue's shape.
     * @param regions where the queue lives.
     * @return the open queue.
     * @throws QueueExistsException when the name is taken.
     */
    public static ShmQueue create(final String name, final QueueConfig config, final RegionFactory regions)
    {
        JvmRequirements.requireAgronaAccess();
        QueueName.validate(name);
        final Region region = regions.create(name, config, buffer -> initialize(buffer, name, config));
        try
        {
            return attach(name, region, config);
        }
        catch (final RuntimeException ex)
        {
            regions.delete(name, config);
            throw ex;
        }
    }

    /**
     * Opens existing queue {@code name}'s file, checking it is the queue {@code config} describes.
     *
     * @param name   the queue name.
     * @param config the expected kind, capacity, max message length and alignment; directory; owner check.
     * @return the open queue.
     * @throws QueueNotFoundException when there is no such file.
     * @throws InvalidQueueException  when the file is not a queue, or another queue than expected.
     */
    public static ShmQueue open(final String name, final QueueConfig config)
    {
        return open(name, config, TmpfsRegionFactory.INSTANCE);
    }

    /**
     * Opens existing queue {@code name} in a region of {@code regions}, checking it is the queue {@code config}
     * describes.
     *
     * @param name    the queue name.
     * @param config  the expected shape.
     * @param regions where the queue lives.
     * @return the open queue.
     * @throws QueueNotFoundException when nothing exists under the name.
     * @throws InvalidQueueException  when it is not a queue, or another queue than expected.
     */
    public static ShmQueue open(final String name, final QueueConfig config, final RegionFactory regions)
    {
        JvmRequirements.requireAgronaAccess();
        QueueName.validate(name);
        return attach(name, regions.open(name, config), config);
    }

    /**
     * Opens queue {@code name}'s file if it exists, otherwise creates it; safe when several processes race to do
     * so.
     *
     * @param name   the queue name.
     * @param config the queue's shape; an existing queue must match it.
     * @return the open queue.
     */
    public static ShmQueue createOrOpen(final String name, final QueueConfig config)
    {
        return createOrOpen(name, config, TmpfsRegionFactory.INSTANCE);
    }

    /**
     * Opens queue {@code name} if it exists in {@code regions}, otherwise creates it; safe when several processes
     * race to do so (and when one deletes it meanwhile: a bounded number of attempts).
     *
     * @param name    the queue name.
     * @param config  the queue's shape; an existing queue must match it.
     * @param regions where the queue lives.
     * @return the open queue.
     * @throws InvalidQueueException when a queue exists under the name but is not the one {@code config} describes.
     */
    public static ShmQueue createOrOpen(final String name, final QueueConfig config, final RegionFactory regions)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return create(name, config, regions);
            }
            catch (final QueueExistsException exists)
            {
                try
                {
                    return open(name, config, regions);
                }
                catch (final QueueNotFoundException removedMeanwhile)
                {
                    if (attempt >= CREATE_OR_OPEN_ATTEMPTS)
                    {
                        throw removedMeanwhile;
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
        return TmpfsRegionFactory.delete(QueueName.path(directory, name));
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
            QueueHeaderValidator.checkMatches(header, region.length(), config.kind(), config.capacity(),
                config.recordAlignment(), config.maxMessageLength(), QueueName.hash(name), description);
            final Ring ring = new Ring(region.buffer(), config.capacity(),
                config.recordAlignment(), config.maxMessageLength(), description).integrityCheck(region::checkIntact)
                .ownerLocker(ownerLocker(region)).guard(new MappingGuard(description, region::close));
            return new ShmQueue(name, region, config.kind(), ring,
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
                sharedMpscProducer = new MpscRingProducer(ring, waiter);
            }
            return sharedMpscProducer;
        }
        return new SpscRingProducer(ring, waiter);
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
        return new RingConsumer(ring, waiter);
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
        return ring.capacity();
    }

    /**
     * Largest payload.
     *
     * @return bytes.
     */
    public int maxMessageLength()
    {
        return ring.maxMessageLength();
    }

    /**
     * The region the queue lives in.
     *
     * @return the region.
     * @throws IllegalStateException once the queue is closed: its memory is unmapped then.
     */
    public Region region()
    {
        checkOpen();
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
     * Closes every producer and consumer made by this queue, then unmaps it; the file stays. Any thread, any
     * moment, idempotent: calls running on other threads (or the handler this is called from) finish or throw
     * {@link QueueClosedException}, a sleeping consumer or producer wakes, and the roles are given back and the
     * memory unmapped when the last of them returns: at once when none is inside.
     */
    public void close()
    {
        closeAll(this);
    }

    /**
     * Closes several queues as {@link #close()} closes one, making every thread fence once for all of them rather
     * than once per queue (a channel's two rings).
     *
     * @param queues the queues to close; those closed already are skipped.
     */
    public static void closeAll(final ShmQueue... queues)
    {
        final MappingGuard[] guards = new MappingGuard[queues.length];
        for (int i = 0; i < queues.length; i++)
        {
            synchronized (queues[i])
            {
                queues[i].closed = true;
            }
            guards[i] = queues[i].guard;
        }
        MappingGuard.closeAll(guards);
    }

    /**
     * Whether {@link #close()} began.
     *
     * @return true once closing.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * The guard of this queue's mapping, for code that reads the memory beside the queue's own producers and
     * consumer (a channel's liveness check reads its peer's header): bracket each access with a
     * {@link io.shmq.region.MappingUser} of it.
     *
     * @return the guard.
     */
    public MappingGuard guard()
    {
        return guard;
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
            throw new QueueClosedException(description + " is closed");
        }
    }

    private static void awaitReady(final QueueHeader header, final String description, final QueueConfig config)
    {
        final long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        while (true)
        {
            QueueHeaderValidator.checkMagic(header, description);
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

    /**
     * Locks on the region's file for the roles' owner tokens, when the file and a lock provider exist. The file is
     * checked again after locking, so the lock is known to be on the inode this process mapped.
     */
    private static Ring.OwnerLocker ownerLocker(final Region region)
    {
        final Path file = region.file();
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
