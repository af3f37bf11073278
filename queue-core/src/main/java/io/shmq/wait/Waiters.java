package io.shmq.wait;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

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
        try
        {
            final Iterator<Waiter> services = ServiceLoader.load(Waiter.class, Waiters.class.getClassLoader()).iterator();
            while (services.hasNext())
            {
                try
                {
                    return services.next();
                }
                catch (final ServiceConfigurationError | LinkageError ex)
                {
                    // A provider whose native library cannot load on this host: try the next one.
                }
            }
        }
        catch (final ServiceConfigurationError ex)
        {
            // Broken service file: fall back.
        }
        return ParkingWaiter.INSTANCE;
    }
}
