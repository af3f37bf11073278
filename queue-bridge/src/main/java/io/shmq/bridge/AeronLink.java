package io.shmq.bridge;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.ClientTimeoutException;
import io.aeron.exceptions.ConductorServiceTimeoutException;
import io.aeron.exceptions.DriverTimeoutException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentInvoker;

import java.util.concurrent.TimeUnit;

/**
 * One bridge thread's connection to Aeron: a client of the user's media driver, or of an embedded one started here
 * and stopped, its directory deleted, on close. Neither starts a thread: the embedded driver and the client's
 * conductor both run on the bridge's own thread, one {@link #invoke()} per duty cycle (Aeron's invoker mode), so
 * that a bridge costs one thread per host as a raw Aeron publisher or subscriber with a shared-mode driver does.
 * On a machine with few cores the extra driver and conductor threads of the default modes took turns with the
 * bridge's on the same core: the decision record has the measurements.
 *
 * <p>The embedded driver's directory is the same for every run of one bridge ({@code
 * aeron-<user>-shmq-bridge-<role>-<queue>} beside Aeron's default), so a run after a killed one empties what it
 * left instead of leaving it in {@code /dev/shm} for good.
 */
final class AeronLink implements AutoCloseable
{
    private static final long CLIENT_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    private final MediaDriver driver;
    private final Aeron aeron;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final LossWatch lossWatch;
    private long lastClientNanos;

    private AeronLink(final MediaDriver driver, final Aeron aeron, final LossWatch lossWatch)
    {
        this.driver = driver;
        this.aeron = aeron;
        this.lossWatch = lossWatch;
        this.driverInvoker = driver == null ? null : driver.sharedAgentInvoker();
        this.clientInvoker = aeron.conductorAgentInvoker();
    }

    /**
     * Connects to the configured driver, or starts an embedded one.
     *
     * @param config the bridge's configuration: which driver.
     * @param name   what names the embedded driver's default directory: role and queue.
     * @return the link; the caller calls {@link #invoke()} from the thread that uses it.
     */
    static AeronLink open(final BridgeConfig config, final String name)
    {
        MediaDriver driver = null;
        String directory = config.aeronDirectory();
        try
        {
            final LossWatch lossWatch = new LossWatch();
            final Aeron.Context client = new Aeron.Context().useConductorAgentInvoker(true).errorHandler(lossWatch);
            if (directory == null)
            {
                final MediaDriver.Context context = new MediaDriver.Context()
                    .threadingMode(ThreadingMode.INVOKER)
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true);
                final String embedded = config.embeddedDriverDirectory() != null ? config.embeddedDriverDirectory() :
                    CommonContext.getAeronDirectoryName() + "-shmq-bridge-" + name;
                driver = MediaDriver.launch(context.aeronDirectoryName(embedded));
                directory = driver.aeronDirectoryName();
                // Client calls wait for the driver's answer: the driver must run while they wait.
                client.driverAgentInvoker(driver.sharedAgentInvoker());
            }
            return new AeronLink(driver, Aeron.connect(client.aeronDirectoryName(directory)), lossWatch);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw new BridgeException("cannot reach an Aeron media driver" +
                (config.aeronDirectory() == null ? " (embedded)" : " in " + config.aeronDirectory() +
                ": is it running?") + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * One duty cycle of the embedded driver (if any) and of the client's conductor.
     *
     * @return the work done; 0 when there was none.
     */
    int invoke()
    {
        int work = driverInvoker == null ? 0 : driverInvoker.invoke();
        final long now = System.nanoTime();
        if (now - lastClientNanos >= CLIENT_INTERVAL_NANOS)
        {
            // The client's conductor has timers to keep (its keepalive is every 500 ms) and the driver's news to
            // pass on (an image that joined), no data: once a cycle took its lock millions of times a second, a
            // twentieth of a bridge's cycle. Its own thread would sleep between turns.
            lastClientNanos = now;
            work += clientInvoker.invoke();
        }
        if (isLost())
        {
            throw new DriverLostException(lossWatch.timeout);
        }
        return work;
    }

    /**
     * One duty cycle ({@link #invoke()}), then one more of the embedded driver alone for each datagram published
     * beyond the first (none with an external driver, which has its own thread): Aeron's sender sends one datagram
     * of a publication per duty cycle, so the fragments of a long message would otherwise leave one per turn of the
     * whole bridge, its halves' polls included.
     *
     * @param publishedDatagrams datagrams published since the last cycle; 0 or 1 make this an {@link #invoke()}.
     * @return the work done; 0 when there was none.
     */
    int invokeAfterPublishing(final int publishedDatagrams)
    {
        int work = invoke();
        if (driverInvoker != null)
        {
            for (int i = 1; i < publishedDatagrams; i++)
            {
                work += driverInvoker.invoke();
            }
        }
        return work;
    }

    /**
     * Whether the client lost its media driver (stopped heartbeating, or this client was timed out by it): its
     * publications and subscriptions are closed for good, a new link is needed.
     *
     * @return true once lost.
     */
    boolean isLost()
    {
        return lossWatch.timeout != null || aeron.isClosed();
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

    /**
     * The media driver stopped answering: a new link, once a driver runs again, carries the bridge on.
     */
    static final class DriverLostException extends BridgeException
    {
        private static final long serialVersionUID = 1L;

        DriverLostException(final Throwable cause)
        {
            super("the Aeron media driver stopped answering" + (cause == null ? "" : ": " + cause.getMessage()),
                cause);
        }
    }

    /**
     * Notes the client's time-outs (its conductor reports them here, then closes the client); prints the rest as
     * Aeron's own handler does.
     */
    private static final class LossWatch implements org.agrona.ErrorHandler
    {
        private volatile Throwable timeout;

        @Override
        public void onError(final Throwable error)
        {
            if (error instanceof DriverTimeoutException || error instanceof ClientTimeoutException ||
                error instanceof ConductorServiceTimeoutException)
            {
                timeout = error;
                return;
            }
            System.err.println("shmq bridge: Aeron reported: " + error);
        }
    }
}
