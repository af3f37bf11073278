package io.shmq.bridge;

import io.shmq.bridge.support.BridgeCloseRaceProcess;
import io.shmq.platform.JvmRequirements;
import io.shmq.support.ChildJvm;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Any thread may close a bridge, or a queue under a running bridge: in a child JVM (so that a crash fails the
 * test), the bridge's thread ends with a clear failure, every call returns and nothing crashes. A bridge's setup
 * starts two embedded media drivers, so the default suite runs a few races and the chaos profile
 * {@code shmq.bridge.closeRaces} (default 200).
 */
class BridgeCloseRaceFuzzTest
{
    private static final Pattern SUMMARY = Pattern.compile("races=(\\d+) inside=(\\d+) unexpected=(\\d+)");

    @RegisterExtension
    final ShmDirectory hostA = new ShmDirectory();

    @RegisterExtension
    final ShmDirectory hostB = new ShmDirectory();

    @Test
    void closesRacingABridgeNeverCrash() throws IOException
    {
        race(12);
    }

    @Tag("chaos")
    @Test
    void manyClosesRacingABridgeNeverCrash() throws IOException
    {
        race(Integer.getInteger("shmq.bridge.closeRaces", 200));
    }

    private void race(final int races) throws IOException
    {
        final Path errors = Files.createTempDirectory("shmq-bridge-fuzz-");
        try (ChildJvm child = start(races, errors))
        {
            final int exit = child.awaitExit(7_200);
            final String output = child.output();
            if (exit != 0 || ChildJvm.hsErrFiles(errors) > 0)
            {
                fail("the bridge close race fuzz exited with " + exit + " (hs_err files: " + ChildJvm.hsErrFiles(errors) +
                    "):\n" + output);
            }
            final Matcher summary = SUMMARY.matcher(output);
            assertTrue(summary.find(), "no summary in\n" + output);
            assertEquals(races, Integer.parseInt(summary.group(1)));
            assertEquals(0, Integer.parseInt(summary.group(3)), output);
            System.out.println("bridge close race fuzz: " + summary.group());
        }
        finally
        {
            ShmDirectory.deleteRecursively(errors);
        }
    }

    private ChildJvm start(final int races, final Path errors)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.add("--enable-native-access=ALL-UNNAMED");
        options.add("-XX:ErrorFile=" + errors.resolve("hs_err_pid%p.log"));
        options.add("-XX:-CreateCoredumpOnCrash");
        options.add("-ea");
        return ChildJvm.start(options, BridgeCloseRaceProcess.class, Integer.toString(races), "11",
            hostA.path().toString(), hostB.path().toString());
    }
}
