package io.shmq.nativeio;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Unique queue names for SysV tests; every segment under a handed-out name is removed after the test, passed or
 * failed, so no test leaves a segment (or its huge pages) behind.
 */
final class SegmentNames implements AfterEachCallback
{
    private static int counter;
    private final List<String> names = new ArrayList<>();

    /**
     * A fresh name, removed after the test.
     *
     * @param hint part of the name, for debugging.
     * @return the name.
     */
    String next(final String hint)
    {
        final String name;
        synchronized (SegmentNames.class)
        {
            name = "test-" + hint + "-" + ProcessHandle.current().pid() + "-" + (++counter);
        }
        names.add(name);
        return name;
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        names.forEach(SysVQueues::delete);
        names.clear();
    }

    /**
     * Whether any segment exists under the queue's key.
     *
     * @param name the queue name.
     * @return true when {@code /proc/sysvipc/shm} lists the key.
     */
    static boolean exists(final String name)
    {
        final int key = SysVQueues.keyOf(name);
        return SysVSegmentRegion.procSysvipcShm().stream().anyMatch(f -> Integer.parseInt(f[0]) == key);
    }
}
