package io.shmq.platform;

/**
 * Finds the best {@link ThreadBarrier} on the class path: queue-native's {@code membarrier} one when it is there
 * and this kernel offers it, otherwise {@link SafepointBarrier}.
 */
public final class ThreadBarriers
{
    private static volatile ThreadBarrier platformDefault;

    private ThreadBarriers()
    {
    }

    /**
     * The barrier closes use. Looked up once.
     *
     * @return the first {@link ThreadBarrier} service that loads, or {@link SafepointBarrier#INSTANCE}.
     */
    public static ThreadBarrier platformDefault()
    {
        ThreadBarrier barrier = platformDefault;
        if (barrier == null)
        {
            final ThreadBarrier found = ServiceProviders.first(ThreadBarrier.class);
            barrier = found != null ? found : SafepointBarrier.INSTANCE;
            platformDefault = barrier;
        }
        return barrier;
    }
}
