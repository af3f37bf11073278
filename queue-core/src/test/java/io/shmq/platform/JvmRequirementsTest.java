package io.shmq.platform;

import io.shmq.errors.ShmqException;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import io.shmq.support.FlaglessProbe;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without the Agrona export gets an exception naming the flag, not an IllegalAccessError.
 */
class JvmRequirementsTest
{
    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    void thisJvmHasTheFlag()
    {
        JvmRequirements.requireAgronaAccess();
    }

    @Test
    @Timeout(60)
    void missingFlagIsReportedByName()
    {
        try (ChildJvm child = ChildJvm.start(List.of(), FlaglessProbe.class, shm.path().toString()))
        {
            final String output = child.awaitSuccess(50);
            assertTrue(output.contains("THROWN " + ShmqException.class.getName()), output);
            assertTrue(output.contains(JvmRequirements.REQUIRED_FLAG), output);
            assertFalse(output.contains("CREATED"), output);
        }
    }
}
