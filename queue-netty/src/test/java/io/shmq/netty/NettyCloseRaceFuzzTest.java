package io.shmq.netty;

import io.shmq.netty.support.NettyCloseRaceProcess;
import io.shmq.support.RaceFuzzRuns;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            final Matcher summary = RaceFuzzRuns.runChecked("Netty close race fuzz", NettyCloseRaceProcess.class, 3_600,
                SUMMARY, Integer.toString(races), Long.toString(7 + run), shm.path().toString());
            assertEquals(races, Integer.parseInt(summary.group(1)), summary.group());
            assertTrue(Integer.parseInt(summary.group(2)) > 0,
                "no close landed while a write was pending: the fuzz proves nothing: " + summary.group());
            assertEquals(0, Integer.parseInt(summary.group(4)), summary.group());
            assertEquals(0, Integer.parseInt(summary.group(5)), summary.group());
        }
    }
}
