package io.shmq.bench.harness;

import io.shmq.platform.JvmRequirements;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a benchmark's peer JVM: this JVM's {@code java} and class path, the flags shmq needs, then
 * the caller's options, the main class and its arguments.
 */
public final class JavaCommand
{
    private JavaCommand()
    {
    }

    /**
     * Builds the command.
     *
     * @param jvmOptions further JVM options.
     * @param mainClass  the class whose {@code main} runs.
     * @param args       its arguments.
     * @return the command, ready for a {@link ProcessBuilder}.
     */
    public static List<String> of(final List<String> jvmOptions, final Class<?> mainClass, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(JvmRequirements.REQUIRED_FLAG.split(" ")));
        command.add(JvmRequirements.NATIVE_ACCESS_FLAG);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }
}
