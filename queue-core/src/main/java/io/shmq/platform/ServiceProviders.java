package io.shmq.platform;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the optional implementations queue-native provides (the futex waiter, the owner locks) through the service
 * loader, skipping a provider that cannot load on this host (its native library missing) rather than failing.
 */
public final class ServiceProviders
{
    private ServiceProviders()
    {
    }

    /**
     * The first provider of {@code type} on the class path that loads.
     *
     * @param type the service interface.
     * @param <T>  its type.
     * @return the provider, or null when none loads.
     */
    public static <T> T first(final Class<T> type)
    {
        try
        {
            final Iterator<T> services = ServiceLoader.load(type, type.getClassLoader()).iterator();
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
            // Broken service file: none.
        }
        return null;
    }
}
