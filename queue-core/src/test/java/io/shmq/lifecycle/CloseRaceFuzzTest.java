package io.shmq.lifecycle;

import io.shmq.support.ChildJvm;
import io.shmq.support.CloseRaceProcess;
import io.shmq.support.RaceFuzzRuns;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any thread may close anything: closes raced against every call of every endpoint kind, in child JVMs so that a
 * JVM crash fails the test (its exit status and {@code hs_err} file) instead of killing the build. Each run
 * reports how many closes found a thread inside an access, so a run that never reached the dangerous moment
 * fails too; and the same fuzz with the unmap done at once (as before the guard) must crash, so a fuzz that
 * cannot see the bug it guards against fails as well.
 *
 * <p>The default suite runs a few hundred races per kind; the chaos profile runs four child JVMs per kind, each
 * {@code shmq.fuzz.races} races (default 2,000) of a queue kind or {@code shmq.fuzz.channelRaces} (default a fifth
 * of that: a channel's setup costs a connect) of a channel kind.
 */
class CloseRaceFuzzTest
{
    private static final Pattern SUMMARY = Pattern.compile("races=(\\d+) inside=(\\d+) unexpected=(\\d+)");

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @ParameterizedTest
    @ValueSource(strings = { "spsc", "mpsc", "channel", "listener", "server", "connector" })
    void racingClosesNeverCrashAndEveryCallReturnsOrThrowsClosed(final String kind) throws IOException
    {
        race(kind, kind.startsWith("spsc") || kind.startsWith("mpsc") ? 300 : 60, 1);
    }

    @Tag("chaos")
    @ParameterizedTest
    @ValueSource(strings = { "spsc", "mpsc", "channel", "listener", "server", "connector" })
    void manyRacingClosesNeverCrash(final String kind) throws IOException
    {
        final int races = Integer.getInteger("shmq.fuzz.races", 2_000);
        final int channelRaces = Integer.getInteger("shmq.fuzz.channelRaces", Math.max(1, races / 5));
        race(kind, kind.startsWith("spsc") || kind.startsWith("mpsc") ? races : channelRaces, 4);
    }

    @Test
    void theSameFuzzWithAnImmediateUnmapCrashesTheJvm() throws IOException
    {
        int crashed = 0;
        final List<String> outcomes = new ArrayList<>();
        for (int run = 0; run < 3; run++)
        {
            final Path errors = Files.createTempDirectory("shmq-fuzz-unsafe-");
            try (ChildJvm child = ChildJvm.start(RaceFuzzRuns.crashReportingOptions(errors), CloseRaceProcess.class,
                "spsc", "3000", Long.toString(1000 + run), shm.path().toString(), "unsafe"))
            {
                final int exit = child.awaitExit(180);
                final boolean hsErr = ChildJvm.hsErrFiles(errors) > 0;
                final String output = child.output();
                // A fault on unmapped memory kills the JVM (SIGSEGV: an hs_err file) or, where HotSpot can turn
                // it into an exception, surfaces as an InternalError (the ring reports it as inaccessible memory).
                final boolean faulted = hsErr || output.contains("InternalError") ||
                    output.contains("no longer accessible");
                outcomes.add("exit " + exit + (hsErr ? " with hs_err" : faulted ? " with a memory fault" : ": " +
                    firstLines(output)));
                if (exit != 0 && faulted)
                {
                    crashed++;
                }
            }
            finally
            {
                ShmDirectory.deleteRecursively(errors);
            }
        }
        System.out.println("close race fuzz with an immediate unmap: " + outcomes);
        assertTrue(crashed >= 2, "an unmap under running calls must crash the fuzz in most runs: " + outcomes);
    }

    private void race(final String kind, final int races, final int runs) throws IOException
    {
        long inside = 0;
        for (int run = 0; run < runs; run++)
        {
            final Matcher summary = RaceFuzzRuns.runChecked("close race fuzz " + kind, CloseRaceProcess.class, 600,
                SUMMARY, kind, Integer.toString(races), Long.toString(42 + run), shm.path().toString(), "guarded");
            assertEquals(races, Integer.parseInt(summary.group(1)), summary.group());
            assertEquals(0, Integer.parseInt(summary.group(3)), summary.group());
            inside += Long.parseLong(summary.group(2));
        }
        // A connector's poll and close share its monitor: no close of it can land inside an access, and the kind
        // checks what its polls get instead.
        assertTrue(inside > 0 || "connector".equals(kind),
            kind + ": no close landed while a thread was inside an access: the fuzz proves nothing");
    }

    private static String firstLines(final String output)
    {
        final String[] lines = output.split("\n");
        return String.join(" | ", Arrays.asList(lines).subList(0, Math.min(4, lines.length)));
    }
}
