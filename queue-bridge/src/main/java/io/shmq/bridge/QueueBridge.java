package io.shmq.bridge;

import io.shmq.ShmQueue;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;

/**
 * A bridge half on a thread of its own: {@link #send} drains a local queue to the other host, {@link #receive}
 * writes what arrives into a local queue of the same name. Both ends are given the same {@link BridgeConfig}.
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
 * The thread polls, and when there is nothing to do idles as {@link BridgeConfig#withIdleStrategy} says (by
 * default it backs off from spinning to parking up to 1 ms). A failure
 * ({@link BridgeException}: the other side unreachable, queues of different shapes, a full local queue) stops the
 * thread; {@link #failure()} tells it, {@link #close()} rethrows it.
 */
public final class QueueBridge implements AutoCloseable
{
    private final Agent agent;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private boolean closed;

    private QueueBridge(final Agent agent, final IdleStrategy idle)
    {
        this.agent = agent;
        this.thread = new Thread(() -> run(idle), agent.roleName());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Starts sending {@code queue}'s messages to the receiving host.
     *
     * @param queue  the local queue; the bridge becomes its consumer.
     * @param config the bridge's channels.
     * @return the running bridge.
     */
    public static QueueBridge send(final ShmQueue queue, final BridgeConfig config)
    {
        return new QueueBridge(new BridgeSender(queue, config), config.idleStrategy());
    }

    /**
     * Starts receiving into {@code queue} what the sending host sends.
     *
     * @param queue  the local queue, SPSC; the bridge becomes its producer.
     * @param config the bridge's channels.
     * @return the running bridge.
     */
    public static QueueBridge receive(final ShmQueue queue, final BridgeConfig config)
    {
        return new QueueBridge(new BridgeReceiver(queue, config), config.idleStrategy());
    }

    private void run(final IdleStrategy idle)
    {
        try
        {
            agent.onStart();
            while (running)
            {
                idle.idle(agent.doWork());
            }
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            agent.onClose();
        }
    }

    /**
     * The agent this bridge runs: a {@link BridgeSender} or a {@link BridgeReceiver}, for its counters.
     *
     * @return the agent.
     */
    public Agent agent()
    {
        return agent;
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
     * Stops the thread and closes the agent (its Aeron side and its role in the queue; the queue stays open and
     * the caller's). Idempotent.
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
}
