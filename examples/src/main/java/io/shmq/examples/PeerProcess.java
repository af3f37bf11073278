package io.shmq.examples;

import io.shmq.platform.JvmRequirements;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a demo's other side as a second JVM on this JVM's class path, with the flags shmq needs: the two sides
 * of every demo are separate processes, as they are in a user's deployment.
 */
public final class PeerProcess
{
    private PeerProcess()
    {
    }

    /**
     * The command line that runs {@code mainClass} in a new JVM.
     *
     * @param mainClass the class whose {@code main} runs.
     * @param args      its arguments.
     * @return the command, ready for a {@link ProcessBuilder}.
     */
    public static List<String> command(final Class<?> mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        // The demos' futex waits go through JNA: without it Java 22+ warns about restricted methods.
        command.add(JvmRequirements.NATIVE_ACCESS_FLAG);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }
}
