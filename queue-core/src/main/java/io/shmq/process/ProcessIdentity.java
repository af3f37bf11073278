package io.shmq.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process named so that a reused pid is not mistaken for it: its pid and its start time (field 22 of
 * {@code /proc/PID/stat}, clock ticks since boot). Both fit one 64-bit owner token, so ownership is one CAS.
 *
 * <pre>
 *   63                    42 41                                     0
 *  +------------------------+----------------------------------------+
 *  |     pid (22 bits)      |   start time, low 42 bits (ticks)      |
 *  +------------------------+----------------------------------------+
 * </pre>
 *
 * <p>Linux pids are at most 2<sup>22</sup> ({@code pid_max}); 42 bits of 100 Hz ticks last over a thousand years.
 * A token of 0 means "no owner". Pids are those of the caller's pid namespace: processes that share a queue must
 * share that namespace for liveness checks to mean anything.
 */
public final class ProcessIdentity
{
    private static final int START_TIME_BITS = 42;
    private static final long START_TIME_MASK = (1L << START_TIME_BITS) - 1;
    private static final long MAX_PID = 1L << 22;

    private static final ProcessIdentity CURRENT = readCurrent();
    private static final long PID_NAMESPACE = readPidNamespace();

    private final long pid;
    private final long startTime;

    private ProcessIdentity(final long pid, final long startTime)
    {
        this.pid = pid;
        this.startTime = startTime;
    }

    /**
     * The identity of this JVM.
     *
     * @return pid and start time of the current process.
     */
    public static ProcessIdentity current()
    {
        return CURRENT;
    }

    /**
     * The effective uid of this process, from {@code /proc/self/status} ({@code /proc/self}'s owner is root for a
     * process that changed its uid, so it cannot be used).
     *
     * @return the effective uid.
     */
    public static int effectiveUid()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII))
            {
                if (line.startsWith("Uid:"))
                {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IllegalStateException("cannot read this process's uid from /proc/self/status: " + ex, ex);
        }
        throw new IllegalStateException("no Uid line in /proc/self/status");
    }

    /**
     * The identity packed in an owner token.
     *
     * @param token a non-zero token from {@link #token()}.
     * @return the identity it names.
     */
    public static ProcessIdentity fromToken(final long token)
    {
        return new ProcessIdentity(token >>> START_TIME_BITS, token & START_TIME_MASK);
    }

    /**
     * The identity of a running process, or {@code null} when no process has that pid.
     *
     * @param pid a process id.
     * @return its identity, or {@code null} if it is gone (or a zombie).
     */
    public static ProcessIdentity of(final long pid)
    {
        final long startTime = readStartTime(pid);
        return startTime < 0 ? null : new ProcessIdentity(pid, startTime);
    }

    /**
     * The process id.
     *
     * @return the pid.
     */
    public long pid()
    {
        return pid;
    }

    /**
     * The start time, in clock ticks since boot, truncated to 42 bits.
     *
     * @return the start time.
     */
    public long startTime()
    {
        return startTime;
    }

    /**
     * This identity as a 64-bit owner token, never 0.
     *
     * @return the packed token.
     */
    public long token()
    {
        return (pid << START_TIME_BITS) | (startTime & START_TIME_MASK);
    }

    /**
     * This process's PID namespace: the inode number of {@code /proc/self/ns/pid}. A pid (and so an owner token)
     * names a process only inside its namespace; two containers sharing {@code /dev/shm} may have different ones.
     *
     * @return the namespace's inode number, 0 when it cannot be read.
     */
    public static long pidNamespace()
    {
        return PID_NAMESPACE;
    }

    /**
     * Whether a process recorded with PID namespace {@code namespace} can be checked from here: same namespace, or
     * either one unknown (0, as in headers written before the namespace was recorded).
     *
     * @param namespace a recorded namespace inode.
     * @return false when the pid belongs to another namespace (its liveness cannot be told from here).
     */
    public static boolean isCheckableFromHere(final long namespace)
    {
        return namespace == 0 || PID_NAMESPACE == 0 || namespace == PID_NAMESPACE;
    }

    private static long readPidNamespace()
    {
        try
        {
            final String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid"))
                .toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0;
        }
    }

    /**
     * Whether the process named by this identity still runs: a process with this pid exists, is not a zombie, and
     * started at this identity's start time (so a reused pid does not count).
     *
     * @return true when the process is alive.
     */
    public boolean isAlive()
    {
        if (this.equals(CURRENT))
        {
            return true;
        }
        final long actual = readStartTime(pid);
        return actual >= 0 && (actual & START_TIME_MASK) == (startTime & START_TIME_MASK);
    }

    /**
     * {@inheritDoc}
     */
    public boolean equals(final Object o)
    {
        return o instanceof ProcessIdentity && ((ProcessIdentity)o).token() == token();
    }

    /**
     * {@inheritDoc}
     */
    public int hashCode()
    {
        return Long.hashCode(token());
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "pid " + pid + " (started at tick " + startTime + ")";
    }

    private static ProcessIdentity readCurrent()
    {
        final long pid = ProcessHandle.current().pid();
        if (pid <= 0 || pid >= MAX_PID)
        {
            throw new IllegalStateException("pid " + pid + " does not fit shmq's 22-bit owner token");
        }
        final long startTime = readStartTime(pid);
        if (startTime < 0)
        {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat: shmq needs Linux with /proc mounted");
        }
        return new ProcessIdentity(pid, startTime);
    }

    /**
     * User plus system CPU time of a process, in clock ticks (fields 14 and 15 of {@code /proc/PID/stat}).
     *
     * @param pid a process id.
     * @return its CPU ticks, or -1 when it is gone.
     */
    public static long cpuTicks(final long pid)
    {
        final String[] fields = statFieldsFromState(pid);
        return fields == null ? -1 : Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * Field 22 (starttime) of {@code /proc/PID/stat}, or -1 when the process does not exist or is a zombie.
     */
    private static long readStartTime(final long pid)
    {
        final String[] fields = statFieldsFromState(pid);
        // fields[0] is field 3 (state), so field 22 is fields[19].
        if (fields == null || fields.length < 20 || "Z".equals(fields[0]) || "X".equals(fields[0]))
        {
            return -1;
        }
        return Long.parseLong(fields[19]);
    }

    /**
     * The fields of {@code /proc/PID/stat} from field 3 (state) on, or null when the process is gone.
     */
    private static String[] statFieldsFromState(final long pid)
    {
        final String stat;
        try
        {
            stat = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat")), StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            // NoSuchFileException, or ESRCH when the process exits while we read.
            return null;
        }

        // comm (field 2) is in parentheses and may hold spaces or ')': fields after it start at the last ')'.
        final int commEnd = stat.lastIndexOf(')');
        return commEnd < 0 ? null : stat.substring(commEnd + 2).trim().split(" ");
    }
}
