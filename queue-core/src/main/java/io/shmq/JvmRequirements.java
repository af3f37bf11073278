package io.shmq;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checks, once, that this JVM lets Agrona reach {@code jdk.internal.misc.Unsafe}, so that a missing flag is reported
 * by name instead of as an {@link IllegalAccessError} from deep inside Agrona.
 */
public final class JvmRequirements
{
    /** The JVM option every process using shmq must be started with. */
    public static final String REQUIRED_FLAG = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    /** Lets JNA (queue-native) call native code without warnings on Java 22+; Java 17 accepts it too. */
    public static final String NATIVE_ACCESS_FLAG = "--enable-native-access=ALL-UNNAMED";

    private static volatile boolean verified;

    private JvmRequirements()
    {
    }

    /**
     * The command line of a child JVM that can use shmq: this JVM's {@code java} and class path, the flags shmq
     * needs ({@link #REQUIRED_FLAG}, {@link #NATIVE_ACCESS_FLAG}), then {@code jvmOptions}, the main class and its
     * arguments. For programs that start their peer processes (demos, benchmarks, tools).
     *
     * @param jvmOptions further JVM options.
     * @param mainClass  the class whose {@code main} runs.
     * @param args       its arguments.
     * @return the command, ready for a {@link ProcessBuilder}.
     */
    public static java.util.List<String> childJavaCommand(
        final java.util.List<String> jvmOptions, final Class<?> mainClass, final String... args)
    {
        final java.util.List<String> command = new java.util.ArrayList<>();
        command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(java.util.List.of(REQUIRED_FLAG.split(" ")));
        command.add(NATIVE_ACCESS_FLAG);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(java.util.List.of(args));
        return command;
    }

    /**
     * Throws a {@link ShmqException} naming the missing JVM flag unless Agrona can use {@code Unsafe}.
     * Cheap after the first successful call.
     */
    public static void requireAgronaAccess()
    {
        if (verified)
        {
            return;
        }

        final Module agrona = UnsafeBuffer.class.getModule();
        final boolean exported = Object.class.getModule().isExported("jdk.internal.misc", agrona);
        if (!exported)
        {
            throw missingFlag(null);
        }

        try
        {
            // Forces Agrona's BufferUtil and UnsafeApi initialisation, which is where a missing export surfaces.
            new UnsafeBuffer(new byte[8]).putLong(0, 1L);
        }
        catch (final LinkageError ex)
        {
            throw missingFlag(ex);
        }
        verified = true;
    }

    private static ShmqException missingFlag(final Throwable cause)
    {
        final String where = UnsafeBuffer.class.getModule().isNamed() ?
            "module " + UnsafeBuffer.class.getModule().getName() : "the class path (ALL-UNNAMED)";
        final String message = "shmq needs the JVM flag '" + REQUIRED_FLAG + "' (Agrona, loaded from " + where +
            ", uses jdk.internal.misc.Unsafe). Add it to the java command line, to Surefire's argLine, or to " +
            "JDK_JAVA_OPTIONS; with Agrona on the module path use --add-exports " +
            "java.base/jdk.internal.misc=org.agrona instead.";
        return cause == null ? new ShmqException(message) : new ShmqException(message, cause);
    }
}
