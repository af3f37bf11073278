package io.shmq.wait;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * An Agrona {@link IdleStrategy} for a consumer loop: spin a little, yield a little, then sleep on the queue's
 * doorbell until a producer commits (or {@code maxSleepNanos} passes). With queue-native's futex waiter an idle
 * consumer uses almost no CPU and wakes within microseconds of the next commit.
 *
 * <pre>{@code
 * IdleStrategy idle = new DoorbellIdleStrategy(consumer);
 * while (running)
 * {
 *     idle.idle(consumer.read(handler, 256));
 * }
 * }</pre>
 */
public final class DoorbellIdleStrategy implements IdleStrategy
{
    /** Default number of empty polls spent spinning before yielding. */
    public static final int DEFAULT_SPINS = 100;

    /** Default number of empty polls spent yielding before sleeping. */
    public static final int DEFAULT_YIELDS = 10;

    /** Default longest single sleep: a safety net only, wake-ups do not wait for it. */
    public static final long DEFAULT_MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Awaitable consumer;
    private final int spins;
    private final int yields;
    private final long maxSleepNanos;
    private int idleCount;

    /**
     * A strategy with the default spins, yields and sleep bound.
     *
     * @param consumer the consumer (a {@code RingConsumer}) whose queue's doorbell to sleep on.
     */
    public DoorbellIdleStrategy(final Awaitable consumer)
    {
        this(consumer, DEFAULT_SPINS, DEFAULT_YIELDS, DEFAULT_MAX_SLEEP_NANOS);
    }

    /**
     * A strategy with explicit phases.
     *
     * @param consumer      the consumer whose queue's doorbell to sleep on.
     * @param spins         empty polls spent in {@link Thread#onSpinWait()}.
     * @param yields        empty polls spent in {@link Thread#yield()} after spinning.
     * @param maxSleepNanos longest single sleep.
     */
    public DoorbellIdleStrategy(final Awaitable consumer, final int spins, final int yields, final long maxSleepNanos)
    {
        if (spins < 0 || yields < 0 || maxSleepNanos <= 0)
        {
            throw new IllegalArgumentException("spins and yields must be >= 0 and maxSleepNanos > 0");
        }
        this.consumer = consumer;
        this.spins = spins;
        this.yields = yields;
        this.maxSleepNanos = maxSleepNanos;
    }

    /**
     * Resets after work, otherwise takes the next idle step (spin, yield, then sleep on the doorbell).
     *
     * @param workCount what the last poll did; 0 or less means nothing.
     */
    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idleCount = 0;
        }
        else
        {
            idle();
        }
    }

    /**
     * Takes the next idle step: spin, then yield, then sleep on the consumer's doorbell until a commit rings it.
     */
    @Override
    public void idle()
    {
        final int count = idleCount++;
        if (count < spins)
        {
            Thread.onSpinWait();
        }
        else if (count < spins + yields)
        {
            Thread.yield();
        }
        else
        {
            consumer.await(maxSleepNanos);
        }
    }

    /**
     * Starts the next idle period from spinning again.
     */
    @Override
    public void reset()
    {
        idleCount = 0;
    }

    /**
     * The strategy's short name, for configuration and logs.
     *
     * @return {@code "doorbell"}.
     */
    @Override
    public String alias()
    {
        return "doorbell";
    }
}
