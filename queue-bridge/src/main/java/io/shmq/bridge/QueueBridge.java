package io.shmq.bridge;

import io.shmq.ShmQueue;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Bridge halves on one thread of their own: {@link #send} drains a local queue to the other host, {@link #receive}
 * writes what arrives into a local queue of the same name, {@link #duplex} does both (requests one way, responses
 * the other) on the same thread. Both hosts are given the same {@link BridgeConfig} for each queue.
 *
 * <pre>{@code
 * // host A
 * try (ShmQueue orders = ShmQueue.open("orders", QueueConfig.mpsc(1 << 20));
 *      QueueBridge bridge = QueueBridge.send(orders, BridgeConfig.of(
 *          "aeron:udp?endpoint=hostB:40456", "aeron:udp?endpoint=hostA:40457"))) { ... }
 * // host B
 * try (ShmQueue orders = ShmQueue.createOrOpen("orders", QueueConfig.spsc(1 << 20));
 *      QueueBridge bridge = QueueBridge.receive(orders, BridgeConfig.of(
 *          "aeron:udp?endpoint=hostB:40456", "aeron:udp?endpoint=hostA:40457"))) { ... }
 * }</pre>
 *
 * <p>The thread also runs Aeron: the embedded media driver and the client's conductor take their turn in its duty
 * cycle, so a bridge is one thread per host. It polls, and when there is nothing to do idles as
 * {@link BridgeConfig#withIdleStrategy} says (by default it backs off from spinning to parking up to 1 ms). The first
 * cycle that writes a whole message into a local queue after cycles that wrote none ends with a
 * {@link Thread#yield()}, so that a reader on the same core takes the message at once.
 *
 * <p>With an external media driver ({@link BridgeConfig#withAeronDirectory}) a driver that dies is waited for: the
 * bridge connects again when a driver runs in that directory, up to {@link BridgeConfig#connectTimeout()} after
 * the loss was noticed (Aeron notices after its driver timeout, 10 s by default), and goes on where the
 * acknowledgements left it. Any other failure ({@link BridgeException}: the other side unreachable, queues of
 * different shapes, a full local queue) stops the thread; {@link #failure()} tells it, {@link #close()} rethrows
 * it.
 */
public final class QueueBridge implements AutoCloseable
{
    private static final long RECONNECT_PAUSE_MILLIS = 100;
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ShmQueue outgoing;
    private final BridgeConfig outgoingConfig;
    private final ShmQueue incoming;
    private final BridgeConfig incomingConfig;
    private final BridgeConfig linkConfig;
    private final String linkName;
    /** More work for the same thread (a channel's relay), or null. */
    private final ChannelRelay extra;
    private final Thread thread;
    private AeronLink link;
    private volatile BridgeSender sender;
    private volatile BridgeReceiver receiver;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile int reconnects;
    private boolean draining;
    /** Whether the last duty cycle delivered nothing into a local queue (no message whole, no relayed one). */
    private boolean nothingDeliveredBefore = true;
    private boolean closed;

    private QueueBridge(final ShmQueue outgoing, final BridgeConfig outgoingConfig, final ShmQueue incoming,
        final BridgeConfig incomingConfig)
    {
        this(outgoing, outgoingConfig, incoming, incomingConfig, outgoingConfig != null ? outgoingConfig :
            incomingConfig, null);
    }

    /**
     * A duplex bridge on the driver and idle strategy of {@code linkConfig}, whose thread also runs {@code extra}
     * (closed first, its last messages drained).
     */
    QueueBridge(final ShmQueue outgoing, final BridgeConfig outgoingConfig, final ShmQueue incoming,
        final BridgeConfig incomingConfig, final BridgeConfig linkConfig, final ChannelRelay extra)
    {
        this.extra = extra;
        this.outgoing = outgoing;
        this.outgoingConfig = outgoingConfig;
        this.incoming = incoming;
        this.incomingConfig = incomingConfig;
        this.linkConfig = linkConfig;
        this.linkName = outgoing == null ? "receive-" + incoming.name() :
            incoming == null ? "send-" + outgoing.name() : "duplex-" + outgoing.name() + "-" + incoming.name();
        // Opened here, so that a wrong configuration fails the caller, not a thread.
        connect();
        final IdleStrategy idle = linkConfig.idleStrategy();
        this.thread = new Thread(() -> run(idle), "shmq-bridge-" + linkName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Starts sending {@code queue}'s messages to the receiving host.
     *
     * @param queue  the local queue; the bridge becomes its consumer.
     * @param config the bridge's channels.
     * @return the running bridge.
     * @throws BridgeException when the queue cannot be bridged or Aeron cannot be reached.
     */
    public static QueueBridge send(final ShmQueue queue, final BridgeConfig config)
    {
        return new QueueBridge(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(config, "config"),
            null, null);
    }

    /**
     * Starts receiving into {@code queue} what the sending host sends.
     *
     * @param queue  the local queue, SPSC; the bridge becomes its producer.
     * @param config the bridge's channels.
     * @return the running bridge.
     * @throws BridgeException when the queue cannot be bridged or Aeron cannot be reached.
     */
    public static QueueBridge receive(final ShmQueue queue, final BridgeConfig config)
    {
        return new QueueBridge(null, null, Objects.requireNonNull(queue, "queue"),
            Objects.requireNonNull(config, "config"));
    }

    /**
     * Starts both: sending {@code outgoing}'s messages and receiving into {@code incoming}, on one thread and one
     * Aeron connection (whose driver and idle strategy {@code outgoingConfig} gives). The other host runs the
     * mirror image: its {@code incoming} is this host's {@code outgoing}, with the same configuration.
     *
     * @param outgoing       the local queue to send; the bridge becomes its consumer.
     * @param outgoingConfig the channels of what is sent.
     * @param incoming       the local queue, SPSC, to receive into; the bridge becomes its producer.
     * @param incomingConfig the channels of what is received (other channels, or other stream ids).
     * @return the running bridge.
     * @throws BridgeException when a queue cannot be bridged or Aeron cannot be reached.
     */
    public static QueueBridge duplex(final ShmQueue outgoing, final BridgeConfig outgoingConfig,
        final ShmQueue incoming, final BridgeConfig incomingConfig)
    {
        return new QueueBridge(Objects.requireNonNull(outgoing, "outgoing"),
            Objects.requireNonNull(outgoingConfig, "outgoingConfig"), Objects.requireNonNull(incoming, "incoming"),
            Objects.requireNonNull(incomingConfig, "incomingConfig"));
    }

    private void connect()
    {
        final AeronLink opened = AeronLink.open(linkConfig, linkName);
        BridgeSender newSender = null;
        try
        {
            newSender = outgoing == null ? null : new BridgeSender(outgoing, outgoingConfig, opened);
            receiver = incoming == null ? null : new BridgeReceiver(incoming, incomingConfig, opened);
        }
        catch (final RuntimeException ex)
        {
            if (newSender != null)
            {
                newSender.onClose();
            }
            CloseHelper.quietClose(opened);
            throw ex;
        }
        sender = newSender;
        link = opened;
    }

    private void disconnect()
    {
        final Agent[] halves = { sender, receiver };
        for (final Agent half : halves)
        {
            if (half != null)
            {
                try
                {
                    half.onClose();
                }
                catch (final RuntimeException ex)
                {
                    // A half whose Aeron side is already gone: its queue role and state file are what matter.
                }
            }
        }
        CloseHelper.quietClose(link);
        link = null;
    }

    private void run(final IdleStrategy idle)
    {
        try
        {
            while (running)
            {
                try
                {
                    idle.idle(dutyCycle());
                }
                catch (final RuntimeException ex)
                {
                    // An embedded driver dies only with this process; an external one may come back.
                    if (linkConfig.aeronDirectory() == null ||
                        !(ex instanceof AeronLink.DriverLostException || link.isLost()))
                    {
                        throw ex;
                    }
                    disconnect();
                    reconnect(ex);
                }
            }
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            if (extra != null)
            {
                // Its last words (a channel's end) go out before the halves close, if the link lets them.
                extra.onClose();
                drain();
            }
            if (link != null)
            {
                disconnect();
            }
        }
    }

    private void drain()
    {
        draining = true;
        final long deadline = System.nanoTime() + DRAIN_NANOS;
        try
        {
            while (link != null && failure == null && sender != null &&
                sender.releasedPosition() < outgoing.header().tailPosition() && System.nanoTime() - deadline < 0)
            {
                if (dutyCycle() == 0)
                {
                    Thread.yield();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            // Closing anyway: what did not go out is in the ring for the next bridge.
        }
    }

    private int dutyCycle()
    {
        // Aeron's turn between the halves': what the sender published leaves, and what arrived is taken, in the
        // same cycle (a cycle later, each hop waited for a whole cycle of polls).
        int work = 0;
        final BridgeSender s = sender;
        final BridgeReceiver r = receiver;
        if (s != null)
        {
            work += s.doWork();
        }
        work += link.invokeAfterPublishing(s == null ? 0 : s.takePublishedDatagrams());
        long delivered = 0;
        if (r != null)
        {
            final long committedBefore = r.committedMessages();
            work += r.doWork();
            delivered += r.committedMessages() - committedBefore;
        }
        if (extra != null && !draining)
        {
            extra.linkUp(r != null && r.isConnected());
            final int relayed = extra.doWork();
            work += relayed;
            delivered += relayed;
        }
        if (delivered > 0 && nothingDeliveredBefore)
        {
            // The first message after cycles that delivered none (idle ones, or ones taking the fragments of a
            // long message) is most likely awaited by a local reader, which may share this thread's core: let it
            // run now rather than after one more cycle of Aeron's polling (two receive calls and the driver's
            // bookkeeping). Under load every cycle delivers and no yield is made.
            Thread.yield();
        }
        nothingDeliveredBefore = delivered == 0;
        return work;
    }

    private void reconnect(final RuntimeException lost) throws InterruptedException
    {
        final long deadline = System.nanoTime() + linkConfig.connectTimeout().toNanos();
        while (running)
        {
            try
            {
                connect();
                reconnects++;
                return;
            }
            catch (final BridgeException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    final BridgeException gone = new BridgeException("the media driver in " +
                        linkConfig.aeronDirectory() + " stopped and none came back within " +
                        linkConfig.connectTimeout().toMillis() + " ms: start it again, then this bridge", ex);
                    gone.addSuppressed(lost);
                    throw gone;
                }
                // Meanwhile a channel's relay keeps serving its local peer, which would otherwise take this host's
                // end for dead: its messages wait in the relay's queue for the link.
                final long nextAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECONNECT_PAUSE_MILLIS);
                while (running && System.nanoTime() - nextAttempt < 0)
                {
                    if (extra != null)
                    {
                        extra.linkUp(false);
                    }
                    if (extra == null || extra.doWork() == 0)
                    {
                        Thread.sleep(1);
                    }
                }
            }
        }
    }

    /**
     * The sending half, or null when this bridge only receives. A new one after a reconnect.
     *
     * @return the sending half, for its counters.
     */
    public BridgeSender sender()
    {
        return sender;
    }

    /**
     * The receiving half, or null when this bridge only sends. A new one after a reconnect.
     *
     * @return the receiving half, for its counters.
     */
    public BridgeReceiver receiver()
    {
        return receiver;
    }

    /**
     * How many times the bridge connected again to an external media driver that had stopped.
     *
     * @return the count.
     */
    public int reconnects()
    {
        return reconnects;
    }

    /**
     * Why the bridge stopped, or null while it runs.
     *
     * @return the failure, or null.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Whether the bridge's thread still runs.
     *
     * @return false once it stopped, by {@link #close()} or a failure.
     */
    public boolean isRunning()
    {
        return thread.isAlive();
    }

    /**
     * Waits up to {@code millis} for the bridge to stop by itself (a failure).
     *
     * @param millis how long to wait.
     * @return true when it stopped.
     * @throws InterruptedException when interrupted.
     */
    public boolean awaitStop(final long millis) throws InterruptedException
    {
        thread.join(millis);
        return !thread.isAlive();
    }

    /**
     * Stops the thread and closes the halves (their Aeron side and their roles in the queues; the queues stay open
     * and the caller's). Idempotent.
     *
     * @throws BridgeException the bridge's failure, when it failed (on the first call only).
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        running = false;
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        final Throwable failed = failure;
        if (failed instanceof BridgeException)
        {
            throw (BridgeException)failed;
        }
        if (failed != null)
        {
            throw new BridgeException(Objects.toString(failed.getMessage(), failed.getClass().getName()), failed);
        }
    }

    @Override
    public String toString()
    {
        final BridgeSender s = sender;
        final BridgeReceiver r = receiver;
        final String halves = s == null ? String.valueOf(r) : r == null ? s.toString() : s + " " + r;
        final int count = reconnects;
        return count == 0 ? halves : halves + " (connected again to a restarted media driver " + count + " times)";
    }
}
