package io.shmq.netty;

import io.shmq.netty.support.NettyCloseRaceProcess;
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
 * Any thread may close a Netty channel over shmq, or shut its event loop down, while writes from other threads
 * and echoes on the loops are in flight: in a child JVM (so that a crash fails the test), every write completes or
 * fails with a close's exception, every channel closes, and no ring file is left. The default suite runs a short
 * fuzz; the chaos profile runs {@code shmq.netty.closeRaces} races (default 2,000) in each of two child JVMs.
 */
class NettyCloseRaceFuzzTest
{
    private static final Pattern SUMMARY =
        Pattern.compile("races=(\\d+) inFlight=(\\d+) inside=(\\d+) unexpected=(\\d+) leftover=(\\d+)");

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @Test
    void closesRacingTrafficNeverCrashHangOrLeak() throws IOException
    {
        race(60, 1);
    }

    @Tag("chaos")
    @Test
    void manyClosesRacingTrafficNeverCrashHangOrLeak() throws IOException
    {
        race(Integer.getInteger("shmq.netty.closeRaces", 2_000), 2);
    }

    private void race(final int races, final int runs) throws IOException
    {
        for (int run = 0; run < runs; run++)
        {
            final Path errors = Files.createTempDirectory("shmq-netty-fuzz-");
            try (ChildJvm child = start(races, 7 + run, errors))
            {
                final int exit = child.awaitExit(3_600);
                final String output = child.output();
                if (exit != 0 || ChildJvm.hsErrFiles(errors) > 0)
                {
                    fail("the Netty close race fuzz exited with " + exit + " (hs_err files: " + ChildJvm.hsErrFiles(errors) +
                        "):\n" + output);
                }
                final Matcher summary = SUMMARY.matcher(output);
                assertTrue(summary.find(), "no summary in\n" + output);
                assertEquals(races, Integer.parseInt(summary.group(1)));
                assertTrue(Integer.parseInt(summary.group(2)) > 0, "no close landed while a write was pending: " +
                    "the fuzz proves nothing\n" + output);
                assertEquals(0, Integer.parseInt(summary.group(4)), output);
                assertEquals(0, Integer.parseInt(summary.group(5)), output);
                System.out.println("Netty close race fuzz: " + summary.group());
            }
            finally
            {
                ShmDirectory.deleteRecursively(errors);
            }
        }
    }

    private ChildJvm start(final int races, final long seed, final Path errors)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.add("--enable-native-access=ALL-UNNAMED");
        options.add("-XX:ErrorFile=" + errors.resolve("hs_err_pid%p.log"));
        options.add("-XX:-CreateCoredumpOnCrash");
        options.add("-ea");
        return ChildJvm.start(options, NettyCloseRaceProcess.class, Integer.toString(races), Long.toString(seed),
            shm.path().toString());
    }
}
