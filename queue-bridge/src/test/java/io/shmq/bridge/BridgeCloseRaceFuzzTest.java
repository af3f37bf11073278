package io.shmq.bridge;

import io.shmq.bridge.support.BridgeCloseRaceProcess;
import io.shmq.support.RaceFuzzRuns;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        final Matcher summary = RaceFuzzRuns.runChecked("bridge close race fuzz", BridgeCloseRaceProcess.class, 7_200,
            SUMMARY, Integer.toString(races), "11", hostA.path().toString(), hostB.path().toString());
        assertEquals(races, Integer.parseInt(summary.group(1)), summary.group());
        assertEquals(0, Integer.parseInt(summary.group(3)), summary.group());
    }
}
