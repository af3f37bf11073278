package io.shmq.netty.support;

import io.netty.util.ResourceLeakDetector;

import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detector, installed for the tests with {@code -Dio.netty.customResourceLeakDetector}, that also
 * keeps every report so a test can fail on it ({@link LeakCheck}).
 *
 * @param <T> the tracked resource type.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T>
{
    private static final List<String> REPORTS = new ArrayList<>();

    /**
     * Called by Netty's detector factory.
     *
     * @param resourceType   the tracked type.
     * @param samplingInterval sampling interval (ignored at PARANOID).
     * @param maxActive      unused.
     */
    @SuppressWarnings("deprecation")
    public RecordingLeakDetector(final Class<?> resourceType, final int samplingInterval, final long maxActive)
    {
        super(resourceType, samplingInterval, maxActive);
    }

    /**
     * Called by Netty's detector factory.
     *
     * @param resourceType     the tracked type.
     * @param samplingInterval sampling interval (ignored at PARANOID).
     */
    public RecordingLeakDetector(final Class<?> resourceType, final int samplingInterval)
    {
        super(resourceType, samplingInterval);
    }

    /**
     * The reports so far, and forgets them.
     *
     * @return leak reports.
     */
    public static List<String> drain()
    {
        synchronized (REPORTS)
        {
            final List<String> copy = new ArrayList<>(REPORTS);
            REPORTS.clear();
            return copy;
        }
    }

    @Override
    protected boolean needReport()
    {
        return true;
    }

    @Override
    protected void reportTracedLeak(final String resourceType, final String records)
    {
        record(resourceType + " leaked:" + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(final String resourceType)
    {
        record(resourceType + " leaked (untraced)");
        super.reportUntracedLeak(resourceType);
    }

    private static void record(final String report)
    {
        synchronized (REPORTS)
        {
            REPORTS.add(report);
        }
    }
}
