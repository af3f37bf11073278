package io.shmq.bridge;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where a bridge's two Aeron streams go, and its timeouts. Immutable; {@code with...} returns a copy.
 *
 * <p>The data stream runs from the sending host to the receiving one, on {@link #dataChannel()} (an Aeron URI whose
 * endpoint is the receiving host, e.g. {@code aeron:udp?endpoint=hostB:40456}); acknowledgements run back on
 * {@link #ackChannel()} (its endpoint is the sending host). Both sides are given the same two channels.
 */
public final class BridgeConfig
{
    /** Stream id of the data stream by default; acknowledgements use the next one. */
    public static final int DEFAULT_STREAM_ID = 0x5348;

    private final String dataChannel;
    private final String ackChannel;
    private final int streamId;
    private final String aeronDirectory;
    private final String embeddedDirectory;
    private final Duration connectTimeout;
    private final Duration fullQueueTimeout;
    private final Supplier<IdleStrategy> idle;

    private BridgeConfig(final String dataChannel, final String ackChannel, final int streamId,
        final String aeronDirectory, final String embeddedDirectory, final Duration connectTimeout,
        final Duration fullQueueTimeout, final Supplier<IdleStrategy> idle)
    {
        this.dataChannel = Objects.requireNonNull(dataChannel, "dataChannel");
        this.ackChannel = Objects.requireNonNull(ackChannel, "ackChannel");
        this.streamId = streamId;
        this.aeronDirectory = aeronDirectory;
        this.embeddedDirectory = embeddedDirectory;
        this.connectTimeout = connectTimeout;
        this.fullQueueTimeout = fullQueueTimeout;
        this.idle = Objects.requireNonNull(idle, "idle");
    }

    /**
     * A bridge over two Aeron channels, with an embedded media driver, a 10 s connect timeout and a 30 s full-queue
     * timeout.
     *
     * @param dataChannel Aeron URI of the data stream (endpoint: the receiving host).
     * @param ackChannel  Aeron URI of the acknowledgement stream (endpoint: the sending host).
     * @return the configuration.
     */
    public static BridgeConfig of(final String dataChannel, final String ackChannel)
    {
        return new BridgeConfig(dataChannel, ackChannel, DEFAULT_STREAM_ID, null, null, Duration.ofSeconds(10),
            Duration.ofSeconds(30), BridgeConfig::backoff);
    }

    /**
     * The same, on other stream ids ({@code streamId} for data, {@code streamId + 1} for acknowledgements): several
     * bridges may share a channel, each on its own ids.
     *
     * @param streamId the data stream's id.
     * @return a copy.
     */
    public BridgeConfig withStreamId(final int streamId)
    {
        return new BridgeConfig(dataChannel, ackChannel, streamId, aeronDirectory, embeddedDirectory, connectTimeout,
            fullQueueTimeout, idle);
    }

    /**
     * The same, through an external media driver whose directory this is (null: an embedded one).
     *
     * @param aeronDirectory the media driver's directory, or null.
     * @return a copy.
     */
    public BridgeConfig withAeronDirectory(final String aeronDirectory)
    {
        return new BridgeConfig(dataChannel, ackChannel, streamId, aeronDirectory, embeddedDirectory, connectTimeout,
            fullQueueTimeout, idle);
    }

    /**
     * The same, with the embedded media driver in {@code directory} (emptied when it starts, removed when it stops)
     * instead of {@code aeron-<user>-shmq-bridge-<role>-<queue>} beside Aeron's default directory (a duplex bridge:
     * {@code duplex-<outgoing>-<incoming>} for role and queue).
     *
     * @param directory the embedded driver's directory, or null for the default.
     * @return a copy.
     */
    public BridgeConfig withEmbeddedDriverDirectory(final String directory)
    {
        return new BridgeConfig(dataChannel, ackChannel, streamId, aeronDirectory, directory, connectTimeout,
            fullQueueTimeout, idle);
    }

    /**
     * The same, failing when the other side has not connected within {@code timeout} of the start, and (sender)
     * when a connected receiver's acknowledgements stay away that long (they come every few milliseconds: a silence
     * means the acknowledgement channel is wrong). Keep it above Aeron's publication connection timeout (5 s by
     * default), for which a publication still counts a killed receiver as connected.
     *
     * @param timeout a positive duration.
     * @return a copy.
     */
    public BridgeConfig withConnectTimeout(final Duration timeout)
    {
        return new BridgeConfig(dataChannel, ackChannel, streamId, aeronDirectory, embeddedDirectory,
            positive(timeout), fullQueueTimeout, idle);
    }

    /**
     * The same, failing when the receiver's local queue stays full for {@code timeout} (nobody drains it).
     *
     * @param timeout a positive duration.
     * @return a copy.
     */
    public BridgeConfig withFullQueueTimeout(final Duration timeout)
    {
        return new BridgeConfig(dataChannel, ackChannel, streamId, aeronDirectory, embeddedDirectory,
            connectTimeout, positive(timeout), idle);
    }

    /**
     * The same, with the bridge's thread idling by {@code idle} when it has nothing to do: by default it spins,
     * yields, then parks up to 1 ms (little CPU when idle, up to a millisecond late for a message that ends a
     * pause); {@code BusySpinIdleStrategy::new} for the lowest latency, at a core per bridge. The same thread runs
     * the bridge's Aeron (its embedded media driver and client), which idles with it.
     *
     * @param idle makes an idle strategy for each bridge thread.
     * @return a copy.
     */
    public BridgeConfig withIdleStrategy(final Supplier<IdleStrategy> idle)
    {
        return new BridgeConfig(dataChannel, ackChannel, streamId, aeronDirectory, embeddedDirectory,
            connectTimeout, fullQueueTimeout, idle);
    }

    /**
     * A new idle strategy for a bridge's thread.
     *
     * @return it.
     */
    public IdleStrategy idleStrategy()
    {
        return idle.get();
    }

    private static IdleStrategy backoff()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    private static Duration positive(final Duration timeout)
    {
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("a bridge timeout must be positive: " + timeout);
        }
        return timeout;
    }

    /**
     * The data stream's Aeron URI.
     *
     * @return the data stream's Aeron URI.
     */
    public String dataChannel()
    {
        return dataChannel;
    }

    /**
     * The acknowledgement stream's Aeron URI.
     *
     * @return the acknowledgement stream's Aeron URI.
     */
    public String ackChannel()
    {
        return ackChannel;
    }

    /**
     * The data stream's id (acknowledgements: this plus one).
     *
     * @return the data stream's id (acknowledgements: this plus one).
     */
    public int streamId()
    {
        return streamId;
    }

    /**
     * The external media driver's directory, or null for an embedded driver.
     *
     * @return the external media driver's directory, or null for an embedded driver.
     */
    public String aeronDirectory()
    {
        return aeronDirectory;
    }

    /**
     * The embedded media driver's directory, or null for the default.
     *
     * @return the embedded media driver's directory, or null for the default.
     */
    public String embeddedDriverDirectory()
    {
        return embeddedDirectory;
    }

    /**
     * How long a side waits for the other to connect before failing.
     *
     * @return how long a side waits for the other to connect before failing.
     */
    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /**
     * How long the receiver's local queue may stay full before the receiver fails.
     *
     * @return how long the receiver's local queue may stay full before the receiver fails.
     */
    public Duration fullQueueTimeout()
    {
        return fullQueueTimeout;
    }

    @Override
    public String toString()
    {
        return "BridgeConfig(data " + dataChannel + ", acks " + ackChannel + ", stream " + streamId +
            (aeronDirectory == null ? ", embedded driver" : ", driver " + aeronDirectory) + ")";
    }
}
