package io.shmq.netty;

import io.shmq.errors.ShmqException;
import io.shmq.netty.support.FlaglessLoopProbe;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An event loop group made in a JVM without the Agrona export fails with an exception that names the flag, not with
 * an {@link IllegalAccessError} from inside Agrona wrapped in Netty's "failed to create a child event loop".
 */
class ShmqIoHandlerFlagTest
{
    @Test
    @Timeout(60)
    void aMissingJvmFlagIsNamedWhenTheLoopFactoryIsMade()
    {
        try (ChildJvm child = ChildJvm.start(List.of("--enable-native-access=ALL-UNNAMED"), FlaglessLoopProbe.class))
        {
            final String output = child.awaitSuccess(50);
            assertTrue(output.contains("THROWN " + ShmqException.class.getName()), output);
            assertTrue(output.contains(JvmRequirements.REQUIRED_FLAG), output);
            assertFalse(output.contains("CREATED"), output);
        }
    }
}
