package io.shmq.support;

import io.shmq.platform.JvmRequirements;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started from the test class path, its output captured to a file so that a failure shows it.
 * Always destroyed by {@link #close()}.
 */
public final class ChildJvm implements AutoCloseable
{
    private final Process process;
    private final Path output;
    private final String description;

    private ChildJvm(final Process process, final Path output, final String description)
    {
        this.process = process;
        this.output = output;
        this.description = description;
    }

    /**
     * How many JVM crash reports ({@code hs_err*} files) a child left in {@code directory}, the one its
     * {@code -XX:ErrorFile} names.
     *
     * @param directory the directory.
     * @return the count.
     * @throws IOException when the directory cannot be listed.
     */
    public static long hsErrFiles(final Path directory) throws IOException
    {
        try (java.util.stream.Stream<Path> files = Files.list(directory))
        {
            return files.filter(file -> file.getFileName().toString().startsWith("hs_err")).count();
        }
    }

    /**
     * Starts {@code mainClass} with the flags shmq needs.
     *
     * @param mainClass a class with a {@code main} on the test class path.
     * @param args      its arguments.
     * @return the running child.
     */
    public static ChildJvm start(final Class<?> mainClass, final String... args)
    {
        final List<String> options = new ArrayList<>(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        // queue-native's JNA calls: without it Java 22+ warns about restricted methods.
        options.add("--enable-native-access=ALL-UNNAMED");
        return start(options, mainClass, args);
    }

    /**
     * Starts {@code mainClass} with the given JVM options only.
     *
     * @param jvmOptions options before the class name.
     * @param mainClass  a class with a {@code main} on the test class path.
     * @param args       its arguments.
     * @return the running child.
     */
    public static ChildJvm start(final List<String> jvmOptions, final Class<?> mainClass, final String... args)
    {
        return start(List.of(), jvmOptions, System.getProperty("java.class.path"), mainClass, args);
    }

    /**
     * Starts {@code mainClass} under a command prefix (e.g. {@code setpriv} to run as another user).
     *
     * @param prefix     words before the java executable.
     * @param jvmOptions options before the class name.
     * @param classPath  the class path.
     * @param mainClass  a class with a {@code main}.
     * @param args       its arguments.
     * @return the running child.
     */
    public static ChildJvm start(
        final List<String> prefix,
        final List<String> jvmOptions,
        final String classPath,
        final Class<?> mainClass,
        final String... args)
    {
        final List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));
        try
        {
            final Path output = Files.createTempFile("shmq-child-", ".log");
            final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
            return new ChildJvm(process, output, mainClass.getSimpleName() + " " + String.join(" ", args));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start child JVM " + command, ex);
        }
    }

    /**
     * The child's process.
     *
     * @return the process.
     */
    public Process process()
    {
        return process;
    }

    /**
     * The child's pid.
     *
     * @return the pid.
     */
    public long pid()
    {
        return process.pid();
    }

    /**
     * Waits for the child to exit and returns its output; fails with that output when it exits non-zero or
     * does not finish in time.
     *
     * @param timeoutSeconds how long to wait.
     * @return everything the child printed.
     */
    public String awaitSuccess(final long timeoutSeconds)
    {
        final int exit = awaitExit(timeoutSeconds);
        final String text = output();
        if (exit != 0)
        {
            throw new AssertionError("child JVM '" + description + "' exited with " + exit + ":\n" + text);
        }
        return text;
    }

    /**
     * Waits for the child to exit.
     *
     * @param timeoutSeconds how long to wait.
     * @return the exit code.
     */
    public int awaitExit(final long timeoutSeconds)
    {
        try
        {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
                throw new AssertionError("child JVM '" + description + "' did not finish within " +
                    timeoutSeconds + " s:\n" + output());
            }
            return process.exitValue();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + description, ex);
        }
    }

    /**
     * Waits until the child printed {@code text}.
     *
     * @param text           what to look for in the output.
     * @param timeoutSeconds how long to wait.
     */
    public void awaitOutput(final String text, final long timeoutSeconds)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!output().contains(text))
        {
            if (!process.isAlive())
            {
                throw new AssertionError("child JVM '" + description + "' exited before printing '" + text +
                    "':\n" + output());
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("child JVM '" + description + "' did not print '" + text + "' within " +
                    timeoutSeconds + " s:\n" + output());
            }
            sleep(10);
        }
    }

    /**
     * Everything the child printed so far.
     *
     * @return its output.
     */
    public String output()
    {
        try
        {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "<cannot read " + output + ": " + ex + ">";
        }
    }

    /**
     * Kills the child with SIGKILL and waits for it to be gone.
     */
    public void kill()
    {
        try
        {
            process.destroyForcibly().waitFor();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close()
    {
        kill();
        try
        {
            Files.deleteIfExists(output);
        }
        catch (final IOException ignore)
        {
            // A log file in the temp directory is harmless.
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
