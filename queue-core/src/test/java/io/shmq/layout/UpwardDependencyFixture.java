package io.shmq.layout;

import io.shmq.ShmQueue;

/**
 * A deliberate breach of the layering for {@code LayeringTest}: the layout, the lowest package with content, using
 * the facade. Never used; it exists so the test can show its rules catch an upward import.
 */
final class UpwardDependencyFixture
{
    private UpwardDependencyFixture()
    {
    }

    static String nameOf(final ShmQueue queue)
    {
        return queue.name();
    }
}
