package io.shmq.bridge;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;

/**
 * One side's connection to Aeron: a client of the user's media driver, or of an embedded one started here (shared
 * threading: one driver thread) and stopped, its directory deleted, on close. The embedded driver's directory is
 * the same for every run of one bridge half ({@code aeron-<user>-shmq-bridge-<role>-<queue>} beside Aeron's
 * default), so a run after a killed one empties what it left instead of leaving it in {@code /dev/shm} for good.
 */
final class AeronLink implements AutoCloseable
{
    private final MediaDriver driver;
    private final Aeron aeron;

    private AeronLink(final MediaDriver driver, final Aeron aeron)
    {
        this.driver = driver;
        this.aeron = aeron;
    }

    static AeronLink open(final BridgeConfig config, final String role, final String queue)
    {
        MediaDriver driver = null;
        String directory = config.aeronDirectory();
        try
        {
            if (directory == null)
            {
                final MediaDriver.Context context = new MediaDriver.Context()
                    .threadingMode(ThreadingMode.SHARED)
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true);
                final String embedded = config.embeddedDriverDirectory() != null ? config.embeddedDriverDirectory() :
                    CommonContext.getAeronDirectoryName() + "-shmq-bridge-" + role + "-" + queue;
                driver = MediaDriver.launch(context.aeronDirectoryName(embedded));
                directory = driver.aeronDirectoryName();
            }
            return new AeronLink(driver, Aeron.connect(new Aeron.Context().aeronDirectoryName(directory)));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw new BridgeException("cannot reach an Aeron media driver" +
                (config.aeronDirectory() == null ? " (embedded)" : " in " + config.aeronDirectory() +
                ": is it running?") + ": " + ex.getMessage(), ex);
        }
    }

    Aeron aeron()
    {
        return aeron;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}
