package io.shmq.tool;

import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.inspect.BridgeSnapshot;
import io.shmq.inspect.QueueFiles;
import io.shmq.inspect.QueueSnapshot;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.layout.RingKind;
import io.shmq.nativeio.SegmentHeaderCopy;
import io.shmq.nativeio.SegmentStat;
import io.shmq.nativeio.SysVQueues;
import io.shmq.process.OwnerState;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code shmq} command: a view of the queues on this host, like AeronStat. It only reads, unless asked to remove.
 * <pre>
 *   shmq list [--dir DIR]                          every queue (files in DIR, default /dev/shm, and SysV segments)
 *   shmq stat NAME [--dir DIR] [--sysv] [--watch]  one queue's header fields and counters (--watch: every second)
 *   shmq rm NAME [--dir DIR] [--sysv] [--force]    remove a queue (refused while a live process uses it)
 *   shmq gc [--dir DIR] [--dry-run]                remove stale queues: no live owner, nobody attached
 * </pre>
 * {@code list} and {@code stat} also show the bridge halves (queue-bridge) whose state files are in DIR.
 * Exit status: 0 done, 1 the queue is missing or in use, 2 a usage error.
 */
public final class ShmqTool
{
    private final PrintStream out;
    private Path directory = QueueConfig.DEFAULT_DIRECTORY;
    private boolean sysv;
    private boolean watch;
    private boolean force;
    private boolean dryRun;
    private int count = 1;
    private final List<String> operands = new ArrayList<>();

    private ShmqTool(final PrintStream out)
    {
        this.out = out;
    }

    /**
     * Entry point.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        System.exit(run(System.out, args));
    }

    /**
     * Runs one command.
     *
     * @param out  where to print.
     * @param args the command and its options.
     * @return the exit status.
     */
    public static int run(final PrintStream out, final String... args)
    {
        final ShmqTool tool = new ShmqTool(out);
        try
        {
            return tool.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            out.println("shmq: " + ex.getMessage());
            usage(out);
            return 2;
        }
    }

    private int parse(final String[] args)
    {
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--dir" -> directory = Path.of(value(args, ++i, "--dir"));
                case "--sysv" -> sysv = true;
                case "--watch" -> { watch = true; count = Integer.MAX_VALUE; }
                case "--count" -> count = Integer.parseInt(value(args, ++i, "--count"));
                case "--force" -> force = true;
                case "--dry-run" -> dryRun = true;
                case "-h", "--help", "help" -> { usage(out); return 0; }
                default ->
                {
                    if (args[i].startsWith("-"))
                    {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    operands.add(args[i]);
                }
            }
        }
        if (operands.isEmpty())
        {
            throw new IllegalArgumentException("no command");
        }
        return switch (operands.get(0))
        {
            case "list" -> list();
            case "stat" -> stat(name());
            case "rm" -> remove(name());
            case "gc" -> gc();
            default -> throw new IllegalArgumentException("unknown command " + operands.get(0));
        };
    }

    private String name()
    {
        if (operands.size() != 2)
        {
            throw new IllegalArgumentException(operands.get(0) + " takes one queue name");
        }
        return QueueName.validate(operands.get(1));
    }

    private static String value(final String[] args, final int i, final String option)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static void usage(final PrintStream out)
    {
        out.println("usage: shmq list [--dir DIR]");
        out.println("       shmq stat NAME [--dir DIR] [--sysv] [--watch | --count N]");
        out.println("       shmq rm NAME [--dir DIR] [--sysv] [--force]");
        out.println("       shmq gc [--dir DIR] [--dry-run]");
        out.println("       shmq bridge send|receive ...   (one half of a bridge to another host; shmq bridge for help)");
    }

    private int list()
    {
        final List<QueueSnapshot> queues = new ArrayList<>();
        for (final Path file : QueueFiles.list(directory))
        {
            queues.add(QueueFiles.snapshot(file));
        }
        for (final SegmentHeaderCopy segment : SysVQueues.headerCopies())
        {
            final QueueSnapshot snapshot = snapshotOf(segment);
            if (snapshot.valid())
            {
                queues.add(snapshot);
            }
        }
        out.printf("%-28s %-5s %10s %7s %-22s %-22s %10s %8s %-5s%n", "QUEUE", "KIND", "CAPACITY", "FILL",
            "CONSUMER", "PRODUCER", "HEARTBEAT", "ATTACHED", "STALE");
        final long now = System.currentTimeMillis();
        for (final QueueSnapshot queue : queues)
        {
            if (!queue.valid())
            {
                out.printf("%-28s %-5s (not a shmq queue, or damaged: %s)%n", queue.name(), "?", queue.location());
                continue;
            }
            out.printf("%-28s %-5s %10d %6.1f%% %-22s %-22s %10s %8s %-5s%n", queue.name(), queue.kind(),
                queue.capacity(), 100.0 * queue.fill() / queue.capacity(),
                queue.describeConsumer(),
                queue.kind() == RingKind.MPSC ? "(shared)" : queue.describeProducer(),
                age(now, queue.heartbeatMillis()), queue.attached() < 0 ? "?" : Integer.toString(queue.attached()),
                queue.isStale() ? "yes" : "no");
        }
        out.printf("%d queue(s)%n", queues.size());
        final List<BridgeSnapshot> bridges = BridgeSnapshot.list(directory);
        if (!bridges.isEmpty())
        {
            out.printf("%n%-28s %-8s %-22s %14s %14s %14s %12s %9s %10s%n", "BRIDGE", "HALF", "PROCESS",
                "SENT/COMMITTED", "ACKNOWLEDGED", "LAG (BYTES)", "MESSAGES", "REJECTED", "UPDATED");
            for (final BridgeSnapshot bridge : bridges)
            {
                out.println(bridgeLine(bridge, tailOf(queues, bridge.queue()), now));
            }
        }
        return 0;
    }

    private static String bridgeSummary(final BridgeSnapshot bridge, final long tail, final long now)
    {
        if (!bridge.valid())
        {
            return "bridge state " + bridge.file() + ": not a bridge state of this version";
        }
        final String process = "pid " + bridge.pid() + (bridge.alive() ? " (alive)" : " (gone)");
        if (bridge.receiver())
        {
            return String.format("bridge receiver %s: committed up to %d in the sender's ring, %d messages, " +
                "%d frames rejected, updated %s ago", process, bridge.end(), bridge.messages(), bridge.rejectedFrames(),
                age(now, bridge.updatedMillis()));
        }
        return String.format("bridge sender %s: sent up to %d, acknowledged up to %d, lag %d bytes, %d messages, " +
            "%d frames rejected, updated %s ago", process, bridge.sent(), bridge.end(), Math.max(0, tail -
            Math.max(bridge.end(), bridge.released())), bridge.messages(), bridge.rejectedFrames(),
            age(now, bridge.updatedMillis()));
    }

    private static long tailOf(final List<QueueSnapshot> queues, final String name)
    {
        for (final QueueSnapshot queue : queues)
        {
            if (queue.valid() && queue.name().equals(name) && queue.file() != null)
            {
                return queue.tail();
            }
        }
        return -1;
    }

    /**
     * One bridge half: the sender's lag is what its queue holds beyond the acknowledged end (bytes of the ring not
     * yet known to have arrived); a receiver shows the end it committed, in the sender's ring.
     */
    private static String bridgeLine(final BridgeSnapshot bridge, final long tail, final long now)
    {
        if (!bridge.valid())
        {
            return String.format("%-28s %-8s (not a bridge state of this version: %s)", bridge.queue(),
                bridge.receiver() ? "receive" : "send", bridge.file());
        }
        final String process = "pid " + bridge.pid() + (bridge.alive() ? " (alive)" : " (gone)");
        if (bridge.receiver())
        {
            return String.format("%-28s %-8s %-22s %14d %14s %14s %12d %9d %10s", bridge.queue(), "receive", process,
                bridge.end(), "-", "-", bridge.messages(), bridge.rejectedFrames(), age(now, bridge.updatedMillis()));
        }
        final long acknowledged = Math.max(bridge.end(), bridge.released());
        return String.format("%-28s %-8s %-22s %14d %14d %14s %12d %9d %10s", bridge.queue(), "send", process,
            bridge.sent(), bridge.end(), tail < 0 ? "?" : Long.toString(Math.max(0, tail - acknowledged)),
            bridge.messages(), bridge.rejectedFrames(), age(now, bridge.updatedMillis()));
    }

    private int stat(final String name)
    {
        long lastTail = -1;
        for (int i = 0; i < count; i++)
        {
            final QueueSnapshot queue = snapshot(name);
            if (queue == null)
            {
                out.println("shmq: no queue '" + name + "' (" + where(name) + ")");
                return 1;
            }
            print(queue, lastTail);
            if (!sysv)
            {
                final long now = System.currentTimeMillis();
                for (final BridgeSnapshot bridge : BridgeSnapshot.list(directory))
                {
                    if (bridge.queue().equals(name))
                    {
                        out.println("  " + bridgeSummary(bridge, queue.tail(), now));
                    }
                }
            }
            lastTail = queue.tail();
            if (i + 1 < count)
            {
                sleep(1000);
            }
        }
        return 0;
    }

    private void print(final QueueSnapshot queue, final long lastTail)
    {
        final long now = System.currentTimeMillis();
        out.printf("queue %s at %s (%s)%n", queue.name(), queue.location(), Instant.ofEpochMilli(now));
        if (!queue.valid())
        {
            out.println("  not a shmq queue (magic or layout version differ), or damaged");
            return;
        }
        out.printf("  kind %s, capacity %d, max message %d, alignment %d%n", queue.kind(), queue.capacity(),
            queue.maxMessageLength(), queue.alignment());
        out.printf("  created %s by pid %d%n", Instant.ofEpochMilli(queue.creationMillis()), queue.creatorPid());
        out.printf("  tail %d, head %d, fill %d bytes (%.1f%%)%s%n", queue.tail(), queue.head(), queue.fill(),
            100.0 * queue.fill() / queue.capacity(), lastTail < 0 ? "" :
            String.format(", %d bytes/s written", queue.tail() - lastTail));
        out.printf("  consumer %s, heartbeat %s ago%n", queue.describeConsumer(),
            age(now, queue.heartbeatMillis()));
        out.printf("  producer %s%n", queue.kind() == RingKind.MPSC ?
            "(MPSC: producers are not registered)" : queue.describeProducer());
        out.printf("  attached processes %s%n", queue.attached() < 0 ? "unknown" : queue.attached());
        out.printf("  counters: owner takeovers %d, unblocked claims %d%n",
            queue.counters()[QueueHeaderDescriptor.COUNTER_OWNER_TAKEOVERS],
            queue.counters()[QueueHeaderDescriptor.COUNTER_UNBLOCKED_RECORDS]);
        out.printf("  stale %s%n", queue.isStale() ? "yes (no live owner, nobody attached)" : "no");
    }

    private int remove(final String name)
    {
        final QueueSnapshot queue = snapshot(name);
        if (queue == null)
        {
            out.println("shmq: no queue '" + name + "' (" + where(name) + ")");
            return 1;
        }
        if (!force && queue.valid() && (queue.consumer() == OwnerState.ALIVE || queue.consumer() == OwnerState.UNKNOWN ||
            queue.producer() == OwnerState.ALIVE || queue.producer() == OwnerState.UNKNOWN || queue.attached() > 0))
        {
            out.println("shmq: queue '" + name + "' is in use (consumer " +
                queue.describeConsumer() + ", " + queue.attached() + " attached): " +
                "not removed; --force removes it anyway (its users keep their mapping until they close)");
            return 1;
        }
        final boolean removed = sysv ? SysVQueues.delete(name) : QueueFiles.remove(QueueName.path(directory, name));
        out.println((removed ? "removed " : "already gone: ") + queue.location());
        return 0;
    }

    private int gc()
    {
        int removed = 0;
        for (final QueueSnapshot queue : QueueFiles.findStale(directory))
        {
            // Re-check right before removing: a process may have attached since.
            final Path file = Path.of(queue.location());
            if (dryRun || !Files.exists(file) || QueueFiles.snapshot(file).isStale())
            {
                if (!dryRun)
                {
                    QueueFiles.remove(file);
                }
                out.println((dryRun ? "would remove " : "removed ") + queue.location());
                removed++;
            }
        }
        final List<SegmentStat> segments = dryRun ? SysVQueues.findStale() : SysVQueues.removeStale();
        for (final SegmentStat segment : segments)
        {
            out.println((dryRun ? "would remove " : "removed ") + "SysV segment " + segment.id() +
                String.format(" (key 0x%08x)", segment.key()));
            removed++;
        }
        out.println(removed + " stale queue(s)" + (dryRun ? " found" : " removed"));
        return 0;
    }

    private QueueSnapshot snapshot(final String name)
    {
        if (sysv)
        {
            final SegmentHeaderCopy segment = SysVQueues.headerCopy(name);
            return segment == null ? null : snapshotOf(segment);
        }
        final Path file = QueueName.path(directory, name);
        return Files.isRegularFile(file) ? QueueFiles.snapshot(file) : null;
    }

    private static QueueSnapshot snapshotOf(final SegmentHeaderCopy segment)
    {
        return QueueSnapshot.read(segment.name(), segment.location(), segment.header(), segment.attached());
    }

    private String where(final String name)
    {
        return sysv ? String.format("no SysV segment with key 0x%08x", SysVQueues.keyOf(name)) :
            "no file " + QueueName.path(directory, name) + "; --sysv for a SysV segment";
    }

    private static String age(final long now, final long millis)
    {
        if (millis == 0)
        {
            return "never";
        }
        final long age = now - millis;
        return age < 1000 ? age + " ms" : age < 120_000 ? age / 1000 + " s" : age / 60_000 + " min";
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
