package io.shmq.support;

import io.shmq.QueueConfig;
import io.shmq.ShmQueue;

import java.nio.file.Path;

/**
 * Child JVM started without shmq's JVM flag: tries to create a queue and prints what it got.
 * Argument: the queue directory.
 */
public final class FlaglessProbe
{
    private FlaglessProbe()
    {
    }

    /**
     * Entry point.
     *
     * @param args the queue directory.
     */
    public static void main(final String[] args)
    {
        try (ShmQueue queue = ShmQueue.create("flagless", QueueConfig.spsc(1024).withDirectory(Path.of(args[0]))))
        {
            System.out.println("CREATED " + queue);
        }
        catch (final Throwable t)
        {
            System.out.println("THROWN " + t.getClass().getName() + ": " + t.getMessage());
        }
    }
}
