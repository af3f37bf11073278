package io.shmq.wait;

import io.shmq.platform.ServiceProviders;

/**
 * Finds the best {@link Waiter} on the class path: queue-native's futex waiter when it is there and works on this
 * host, otherwise {@link ParkingWaiter}.
 */
public final class Waiters
{
    private static volatile Waiter platformDefault;

    private Waiters()
    {
    }

    /**
     * The waiter queues use unless their config names one. Looked up once.
     *
     * @return the first {@link Waiter} service that loads, or {@link ParkingWaiter#INSTANCE}.
     */
    public static Waiter platformDefault()
    {
        Waiter waiter = platformDefault;
        if (waiter == null)
        {
            waiter = discover();
            platformDefault = waiter;
        }
        return waiter;
    }

    private static Waiter discover()
    {
        final Waiter found = ServiceProviders.first(Waiter.class);
        return found != null ? found : ParkingWaiter.INSTANCE;
    }
}
