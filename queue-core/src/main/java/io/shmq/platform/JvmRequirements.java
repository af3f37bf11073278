package io.shmq.platform;

import io.shmq.errors.ShmqException;
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
