package io.shmq.support;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The threads of a close race: whatever one of them throws is kept (the first such) for the race to report.
 */
public final class RaceThreads
{
    private RaceThreads()
    {
    }

    /**
     * Starts {@code body} on a new thread.
     *
     * @param body       what the thread does.
     * @param unexpected where the first exception or error that escapes a body goes.
     * @return the started thread.
     */
    public static Thread start(final Runnable body, final AtomicReference<Throwable> unexpected)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                body.run();
            }
            catch (final Throwable ex)
            {
                unexpected.compareAndSet(null, ex);
            }
        });
        thread.start();
        return thread;
    }
}
