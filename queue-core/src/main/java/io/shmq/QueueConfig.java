package io.shmq;

import io.shmq.layout.QueueHeaderValidator;
import io.shmq.layout.RingKind;

import io.shmq.wait.Waiter;
import io.shmq.wait.Waiters;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a queue is (ring kind, capacity, largest message, record alignment) and where and how it lives
 * (directory, file permissions, whose files may be opened, how long to wait for a queue being created).
 * Immutable: each {@code with...} returns a new config.
 *
 * <pre>{@code
 * QueueConfig config = QueueConfig.spsc(1 << 20).withMaxMessageLength(4096);
 * }</pre>
 *
 * <p>When opening, the kind, capacity, max message length and alignment are what the caller expects to find; a
 * queue with other values is refused with a message naming the field.
 */
public final class QueueConfig
{
    /** Where queues live unless told otherwise: the tmpfs every Linux host mounts. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");

    /** Smallest data capacity. */
    public static final int MIN_CAPACITY = QueueHeaderValidator.MIN_CAPACITY;

    /** Largest data capacity (a mapping is limited to 2 GiB, the header comes on top). */
    public static final int MAX_CAPACITY = QueueHeaderValidator.MAX_CAPACITY;

    /**
     * Default record alignment: one record per pair of cache lines for small messages. The adjacent-line prefetcher
     * fetches lines in 128-byte pairs, so with records 64 bytes apart a consumer reading one line pulls in the line
     * the producer is about to write, and the two cores fight over it: measured on this project's machine, SPSC
     * throughput at 32 B doubled with 128 when the two cores share no cache, and fell by about a sixth when they
     * do. 64 packs twice as many small records; 8 packs records tightly.
     */
    public static final int DEFAULT_ALIGNMENT = 128;

    /** Owner read and write, nothing else: the default mode of a queue file. */
    public static final Set<PosixFilePermission> OWNER_ONLY =
        Collections.unmodifiableSet(PosixFilePermissions.fromString("rw-------"));

    /** Owner and group read and write: for a service and sidecar that run as different users of one group. */
    public static final Set<PosixFilePermission> OWNER_AND_GROUP =
        Collections.unmodifiableSet(PosixFilePermissions.fromString("rw-rw----"));

    private final Settings settings;

    /**
     * The values of a config: a private mutable copy that each wither changes before it is frozen in a new
     * config, so that a new setting is one field here and one wither, not another constructor argument everywhere.
     */
    private static final class Settings implements Cloneable
    {
        RingKind kind;
        int capacity;
        int maxMessageLength;
        int recordAlignment;
        Path directory;
        Set<PosixFilePermission> permissions;
        boolean allowForeignOwner;
        Duration readyTimeout;
        Waiter waiter;

        Settings copy()
        {
            try
            {
                return (Settings)clone();
            }
            catch (final CloneNotSupportedException ex)
            {
                throw new AssertionError(ex);
            }
        }
    }

    private QueueConfig(final Settings settings)
    {
        this.settings = settings;
        validate();
    }

    private QueueConfig with(final Consumer<Settings> change)
    {
        final Settings copy = settings.copy();
        change.accept(copy);
        return new QueueConfig(copy);
    }

    /**
     * A single-producer queue with {@code capacity} bytes of data and the default max message length
     * ({@code capacity / 8 - 8}).
     *
     * @param capacity data area in bytes, a power of two from 1 KiB to 1 GiB.
     * @return the config.
     */
    public static QueueConfig spsc(final int capacity)
    {
        return of(RingKind.SPSC, capacity);
    }

    /**
     * A multi-producer queue with {@code capacity} bytes of data and the default max message length
     * ({@code capacity / 8 - 8}).
     *
     * @param capacity data area in bytes, a power of two from 1 KiB to 1 GiB.
     * @return the config.
     */
    public static QueueConfig mpsc(final int capacity)
    {
        return of(RingKind.MPSC, capacity);
    }

    /**
     * A queue of {@code kind} with {@code capacity} bytes of data.
     *
     * @param kind     SPSC or MPSC.
     * @param capacity data area in bytes, a power of two from 1 KiB to 1 GiB.
     * @return the config.
     */
    public static QueueConfig of(final RingKind kind, final int capacity)
    {
        final Settings settings = new Settings();
        settings.kind = kind;
        settings.capacity = capacity;
        settings.maxMessageLength = defaultMaxMessageLength(capacity);
        settings.recordAlignment = DEFAULT_ALIGNMENT;
        settings.directory = DEFAULT_DIRECTORY;
        settings.permissions = OWNER_ONLY;
        settings.allowForeignOwner = false;
        settings.readyTimeout = Duration.ofSeconds(5);
        settings.waiter = null;
        return new QueueConfig(settings);
    }

    /**
     * The same config with another largest payload.
     *
     * @param maxMessageLength bytes, from 0 to {@code capacity / 8 - 8}.
     * @return a new config.
     */
    public QueueConfig withMaxMessageLength(final int maxMessageLength)
    {
        return with(s -> s.maxMessageLength = maxMessageLength);
    }

    /**
     * The same config with another record alignment, the slot a short record takes: 128 (default) keeps short
     * records (header and payload up to 128 bytes) on separate cache-line pairs, which the adjacent-line
     * prefetcher moves together; 8 packs every record tightly. Longer records of an SPSC ring are packed whatever
     * the alignment; an MPSC ring rounds every record up to whole slots (see {@code docs/LAYOUT.md}).
     *
     * @param recordAlignment a power of two from 8 to 128.
     * @return a new config.
     */
    public QueueConfig withRecordAlignment(final int recordAlignment)
    {
        return with(s -> s.recordAlignment = recordAlignment);
    }

    /**
     * The same config with queues in another directory (any file system; tmpfs keeps pages off the disk).
     *
     * @param directory an existing directory.
     * @return a new config.
     */
    public QueueConfig withDirectory(final Path directory)
    {
        return with(s -> s.directory = directory);
    }

    /**
     * The same config with another mode for files it creates, e.g. {@link #OWNER_AND_GROUP}.
     *
     * @param permissions must hold owner read and write, and no execute bit.
     * @return a new config.
     */
    public QueueConfig withPermissions(final Set<PosixFilePermission> permissions)
    {
        final Set<PosixFilePermission> copy = Collections.unmodifiableSet(
            permissions.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class) : EnumSet.copyOf(permissions));
        return with(s -> s.permissions = copy);
    }

    /**
     * The same config, accepting (or not) to open a queue file owned by another user.
     *
     * @param allowForeignOwner true to skip the owner check when opening.
     * @return a new config.
     */
    public QueueConfig withAllowForeignOwner(final boolean allowForeignOwner)
    {
        return with(s -> s.allowForeignOwner = allowForeignOwner);
    }

    /**
     * The same config with another bound on waiting for a queue's ready word when opening.
     *
     * @param readyTimeout not negative.
     * @return a new config.
     */
    public QueueConfig withReadyTimeout(final Duration readyTimeout)
    {
        return with(s -> s.readyTimeout = readyTimeout);
    }

    /**
     * The same config with an explicit waiter (how idle sides sleep and wake each other), instead of the best one
     * found on the class path ({@link Waiters#platformDefault()}).
     *
     * @param waiter e.g. {@link io.shmq.wait.ParkingWaiter#INSTANCE}, or null for the default.
     * @return a new config.
     */
    public QueueConfig withWaiter(final Waiter waiter)
    {
        return with(s -> s.waiter = waiter);
    }

    /**
     * The waiter named by this config.
     *
     * @return the waiter, or null for {@link Waiters#platformDefault()}.
     */
    public Waiter waiter()
    {
        return settings.waiter;
    }

    /**
     * Ring kind.
     *
     * @return SPSC or MPSC.
     */
    public RingKind kind()
    {
        return settings.kind;
    }

    /**
     * Data area length in bytes.
     *
     * @return the capacity.
     */
    public int capacity()
    {
        return settings.capacity;
    }

    /**
     * Largest payload in bytes.
     *
     * @return the max message length.
     */
    public int maxMessageLength()
    {
        return settings.maxMessageLength;
    }

    /**
     * Record alignment in bytes.
     *
     * @return the alignment.
     */
    public int recordAlignment()
    {
        return settings.recordAlignment;
    }

    /**
     * Directory of queue files.
     *
     * @return the directory.
     */
    public Path directory()
    {
        return settings.directory;
    }

    /**
     * Mode of files this config creates.
     *
     * @return the permissions.
     */
    public Set<PosixFilePermission> permissions()
    {
        return settings.permissions;
    }

    /**
     * Whether files of other users may be opened.
     *
     * @return true when the owner check is skipped.
     */
    public boolean allowForeignOwner()
    {
        return settings.allowForeignOwner;
    }

    /**
     * Bound on waiting for a queue being created to become ready.
     *
     * @return the timeout.
     */
    public Duration readyTimeout()
    {
        return settings.readyTimeout;
    }

    /**
     * The largest max message length a capacity allows: a record of it fills an eighth of the ring.
     *
     * @param capacity data area in bytes.
     * @return {@code capacity / 8 - 8}.
     */
    public static int maxMessageLengthLimit(final int capacity)
    {
        return QueueHeaderValidator.maxMessageLengthLimit(capacity);
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return settings.kind + " capacity=" + settings.capacity + " maxMessageLength=" + settings.maxMessageLength +
            " alignment=" + settings.recordAlignment + " directory=" + settings.directory + " mode=" +
            PosixFilePermissions.toString(settings.permissions);
    }

    private static int defaultMaxMessageLength(final int capacity)
    {
        return Math.max(0, maxMessageLengthLimit(capacity));
    }

    private void validate()
    {
        if (settings.kind == null)
        {
            throw new IllegalArgumentException("ring kind is required");
        }
        QueueHeaderValidator.checkShape(settings.capacity, settings.recordAlignment, settings.maxMessageLength);
        if (settings.directory == null)
        {
            throw new IllegalArgumentException("directory is required");
        }
        if (settings.readyTimeout == null || settings.readyTimeout.isNegative())
        {
            throw new IllegalArgumentException("ready timeout must not be negative: " + settings.readyTimeout);
        }
        if (settings.permissions == null || !settings.permissions.contains(PosixFilePermission.OWNER_READ) ||
            !settings.permissions.contains(PosixFilePermission.OWNER_WRITE))
        {
            throw new IllegalArgumentException("permissions must include owner read and write: " +
                settings.permissions);
        }
        for (final PosixFilePermission permission : settings.permissions)
        {
            if (permission.name().endsWith("EXECUTE"))
            {
                throw new IllegalArgumentException("permissions must not include execute: " +
                    PosixFilePermissions.toString(settings.permissions));
            }
        }
    }
}
