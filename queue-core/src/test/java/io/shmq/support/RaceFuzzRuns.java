package io.shmq.support;

import io.shmq.platform.JvmRequirements;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs one close-race fuzz in a child JVM so that a JVM crash fails the test instead of the build: the child
 * writes its {@code hs_err} file into a directory of its own, and a run fails on a non-zero exit, on any such file,
 * or when it printed no summary line.
 */
public final class RaceFuzzRuns
{
    private RaceFuzzRuns()
    {
    }

    /**
     * The JVM options of a fuzz child: the flags the library needs, its crash report in {@code errors}, no core dump.
     *
     * @param errors the directory for the child's {@code hs_err} file.
     * @return the options.
     */
    public static List<String> crashReportingOptions(final Path errors)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        options.add("--enable-native-access=ALL-UNNAMED");
        options.add("-XX:ErrorFile=" + errors.resolve("hs_err_pid%p.log"));
        options.add("-XX:-CreateCoredumpOnCrash");
        options.add("-ea");
        return options;
    }

    /**
     * Runs {@code main} with {@code args} in a child JVM, waits for it and checks that it exited normally without a
     * crash report and printed a line {@code summary} matches; prints that line.
     *
     * @param what           what runs, for the messages.
     * @param main           the child's main class.
     * @param timeoutSeconds how long the child may take.
     * @param summary        the child's summary line.
     * @param args           the child's arguments.
     * @return the matched summary, with its groups.
     * @throws IOException when the crash report directory cannot be made or read.
     */
    public static Matcher runChecked(
        final String what,
        final Class<?> main,
        final long timeoutSeconds,
        final Pattern summary,
        final String... args) throws IOException
    {
        final Path errors = Files.createTempDirectory("shmq-fuzz-");
        try (ChildJvm child = ChildJvm.start(crashReportingOptions(errors), main, args))
        {
            final int exit = child.awaitExit(timeoutSeconds);
            final String output = child.output();
            final long crashReports = ChildJvm.hsErrFiles(errors);
            if (exit != 0 || crashReports > 0)
            {
                fail(what + " exited with " + exit + " (hs_err files: " + crashReports + "):\n" + output);
            }
            final Matcher matched = summary.matcher(output);
            assertTrue(matched.find(), what + ": no summary in\n" + output);
            System.out.println(what + ": " + matched.group());
            return matched;
        }
        finally
        {
            ShmDirectory.deleteRecursively(errors);
        }
    }
}
