package io.shmq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Queue names map to one file in the queue directory and can never escape it.
 */
class QueueNameTest
{
    @Test
    void nameMapsToPrefixedFileInTheDirectory()
    {
        assertEquals(Path.of("/dev/shm/shmq-orders.v1_A-2"), QueueName.path(Path.of("/dev/shm"), "orders.v1_A-2"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "a", "orders", "svc.sidecar-1", "UPPER_lower.0" })
    void validNamesAreAccepted(final String name)
    {
        assertEquals(name, QueueName.validate(name));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", ".", "..", ".hidden", "a/b", "../etc/passwd", "a b", "tab\t", "é", "a\\b", "x:y" })
    void invalidNamesAreRefusedWithAReason(final String name)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> QueueName.validate(name));
        assertTrue(ex.getMessage().contains("queue name"), ex.getMessage());
    }

    @Test
    void nullAndOverlongNamesAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> QueueName.validate(null));
        assertEquals(200, QueueName.validate("n".repeat(200)).length());
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> QueueName.validate("n".repeat(201)));
        assertTrue(ex.getMessage().contains("at most 200"), ex.getMessage());
    }
}
