package io.shmq.bridge;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender of the bridge's data stream that a test writes frame by frame: a media driver and an Aeron client of
 * its own (another host's, as far as the receiver can tell), publishing on {@link BridgeConfig#dataChannel()}. The
 * receiver under test is driven by the test's thread, through {@link #drive} and while an offer is back-pressured.
 */
final class RawDataStream implements AutoCloseable
{
    private final MediaDriver driver;
    private final Aeron aeron;
    private final BridgeConfig config;

    /**
     * @param aeronDirectory the driver's directory (deleted on start and on close).
     * @param config         the bridge whose data channel and stream to publish on.
     */
    RawDataStream(final Path aeronDirectory, final BridgeConfig config)
    {
        this.config = config;
        this.driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(aeronDirectory.toString())
            .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
        try
        {
            this.aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        }
        catch (final RuntimeException ex)
        {
            driver.close();
            throw ex;
        }
    }

    /**
     * A new publication on the data stream: a new Aeron session, as a new sender process would have.
     *
     * @return it.
     */
    ExclusivePublication publish()
    {
        return aeron.addExclusivePublication(config.dataChannel(), config.streamId());
    }

    /**
     * Offers one frame, driving {@code receiver} while the publication is back-pressured (for at most 10 s).
     */
    static void offer(final BridgeReceiver receiver, final ExclusivePublication publication, final DirectBuffer frame,
        final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(frame, 0, length) < 0)
        {
            receiver.doWork();
            assertTrue(System.nanoTime() - deadline < 0, "the publication took the frame within 10 s");
        }
    }

    /**
     * Runs {@code receiver} until {@code done} holds; with no {@code what}, for {@code millis} whatever happens.
     */
    static void drive(final BridgeReceiver receiver, final BooleanSupplier done, final String what, final long millis)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!done.getAsBoolean())
        {
            if (receiver.doWork() == 0)
            {
                Thread.sleep(1);
            }
            if (System.nanoTime() - deadline > 0)
            {
                assertTrue(what == null, () -> "not within " + millis + " ms: " + what + "; " + receiver);
                return;
            }
        }
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}
