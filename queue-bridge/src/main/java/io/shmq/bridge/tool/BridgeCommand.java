package io.shmq.bridge.tool;

import io.shmq.QueueConfig;
import io.shmq.QueueName;
import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.bridge.BridgeConfig;
import io.shmq.bridge.ChannelBridge;
import io.shmq.bridge.QueueBridge;
import io.shmq.errors.ShmqException;
import io.shmq.inspect.QueueFiles;
import io.shmq.inspect.QueueSnapshot;
import io.shmq.layout.RingKind;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code shmq bridge}: runs one half of a bridge until interrupted, printing where it stands every few seconds.
 * <pre>
 *   shmq bridge send    --queue NAME --to DATA_URI --acks ACK_URI [--dir DIR] [--stream ID] [--aeron-dir DIR]
 *                       [--connect-timeout MILLIS]
 *   shmq bridge receive --queue NAME --from DATA_URI --acks ACK_URI [--dir DIR] [--stream ID] [--aeron-dir DIR]
 *                       [--connect-timeout MILLIS] [--full-timeout MILLIS] [--capacity BYTES] [--max-message BYTES]
 *   shmq bridge channel --name NAME --side clients|server --requests SERVER_URI --responses CLIENTS_URI
 *                       --capacity BYTES [--dir DIR] [--stream ID] [--aeron-dir DIR] [--connect-timeout MILLIS]
 * </pre>
 * DATA_URI names the receiving host ({@code aeron:udp?endpoint=hostB:40456}), ACK_URI the sending host; both
 * halves are given the same two. The sender opens the existing queue as it is; the receiver opens its queue, or
 * creates it (SPSC) when {@code --capacity} is given. {@code channel} runs a {@link ChannelBridge}: on the clients'
 * host ({@code --side clients}) it listens on channel NAME, on the server's host it connects to the server's
 * listener; both are given the same two endpoints (the server's host's, the clients' host's) and the capacity of
 * the channel's rings. Exit status: 0 interrupted, 1 the bridge failed (the reason is printed), 2 a usage error.
 */
public final class BridgeCommand
{
    private static final String USAGE = String.join("\n",
        "usage: shmq bridge send    --queue NAME --to DATA_URI --acks ACK_URI [--dir DIR] [--stream ID] " +
            "[--aeron-dir DIR]",
        "                           [--connect-timeout MILLIS]",
        "       shmq bridge receive --queue NAME --from DATA_URI --acks ACK_URI [--dir DIR] [--stream ID] " +
            "[--aeron-dir DIR]",
        "                           [--connect-timeout MILLIS] [--full-timeout MILLIS] [--capacity BYTES] " +
            "[--max-message BYTES]",
        "       shmq bridge channel --name NAME --side clients|server --requests SERVER_URI --responses " +
            "CLIENTS_URI",
        "                           --capacity BYTES [--dir DIR] [--stream ID] [--aeron-dir DIR] " +
            "[--connect-timeout MILLIS]",
        "  --connect-timeout: fail when the other half has not connected by then (default 10000)",
        "  --full-timeout: the receiver fails when its queue stays full that long (default 30000)",
        "  DATA_URI: the receiving host's endpoint, e.g. 'aeron:udp?endpoint=hostB:40456'",
        "  ACK_URI:  the sending host's endpoint, e.g. 'aeron:udp?endpoint=hostA:40457'",
        "  --aeron-dir: an external media driver's directory (default: an embedded driver)",
        "  channel: a channel's client on this host (--side clients) and its server on another (--side server);",
        "    SERVER_URI and CLIENTS_URI are the two hosts' endpoints, the same on both; --capacity: the channel's",
        "    rings, as its server and clients make them (stream ids ID to ID + 3)");
    private static final Set<String> SEND_OPTIONS = Set.of("--queue", "--to", "--acks", "--dir", "--stream",
        "--aeron-dir", "--connect-timeout");
    private static final Set<String> RECEIVE_OPTIONS = Set.of("--queue", "--from", "--acks", "--dir", "--stream",
        "--aeron-dir", "--connect-timeout", "--full-timeout", "--capacity", "--max-message");
    private static final Set<String> CHANNEL_OPTIONS = Set.of("--name", "--side", "--requests", "--responses",
        "--capacity", "--dir", "--stream", "--aeron-dir", "--connect-timeout");
    private static final long REPORT_MILLIS = 5_000;

    private BridgeCommand()
    {
    }

    /**
     * Entry point.
     *
     * @param args {@code send|receive} and the options above.
     */
    public static void main(final String[] args)
    {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * Runs one half until interrupted or failed.
     *
     * @param out  where the progress goes.
     * @param err  where errors and the usage go.
     * @param args the command line.
     * @return the exit status.
     */
    static int run(final PrintStream out, final PrintStream err, final String[] args)
    {
        final String command = args.length == 0 ? "" : args[0];
        final Map<String, String> options;
        try
        {
            switch (command)
            {
                case "send", "receive" ->
                {
                    options = parse(args, command.equals("send") ? SEND_OPTIONS : RECEIVE_OPTIONS);
                    require(options, "--queue", command.equals("send") ? "--to" : "--from", "--acks");
                    QueueName.validate(options.get("--queue"));
                }
                case "channel" ->
                {
                    options = parse(args, CHANNEL_OPTIONS);
                    require(options, "--name", "--side", "--requests", "--responses", "--capacity");
                    if (!Set.of("clients", "server").contains(options.get("--side")))
                    {
                        throw new IllegalArgumentException("--side is clients (this host has the channel's " +
                            "clients) or server (it has the server), not '" + options.get("--side") + "'");
                    }
                    // The longest of the names the channel's rings and the bridge's queues take.
                    QueueName.validate(options.get("--name") + Channel.CLIENT_TO_SERVER);
                }
                default -> throw new IllegalArgumentException(args.length == 0 ? "send, receive or channel?" :
                    "unknown bridge command '" + command + "'");
            }
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("shmq bridge: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        try
        {
            return switch (command)
            {
                case "send" -> sendUntilStopped(out, err, options);
                case "receive" -> receiveUntilStopped(out, err, options);
                default -> channelUntilStopped(out, err, options);
            };
        }
        catch (final ShmqException ex)
        {
            err.println("shmq bridge: " + ex.getMessage());
            return 1;
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("shmq bridge: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static Map<String, String> parse(final String[] args, final Set<String> allowed)
    {
        final Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i += 2)
        {
            if (!allowed.contains(args[i]))
            {
                throw new IllegalArgumentException("unknown option '" + args[i] + "' for bridge " + args[0]);
            }
            if (i + 1 == args.length)
            {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static void require(final Map<String, String> options, final String... names)
    {
        for (final String name : names)
        {
            if (!options.containsKey(name))
            {
                throw new IllegalArgumentException(name + " is required");
            }
        }
    }

    private static int number(final Map<String, String> options, final String name, final int otherwise)
    {
        final String value = options.get(name);
        if (value == null)
        {
            return otherwise;
        }
        try
        {
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " takes a number, not '" + value + "'");
        }
    }

    private static BridgeConfig config(final Map<String, String> options, final String data)
    {
        BridgeConfig config = BridgeConfig.of(data, options.get("--acks"))
            .withStreamId(number(options, "--stream", BridgeConfig.DEFAULT_STREAM_ID))
            .withAeronDirectory(options.get("--aeron-dir"));
        if (options.containsKey("--connect-timeout"))
        {
            config = config.withConnectTimeout(Duration.ofMillis(positive(options, "--connect-timeout")));
        }
        if (options.containsKey("--full-timeout"))
        {
            config = config.withFullQueueTimeout(Duration.ofMillis(positive(options, "--full-timeout")));
        }
        return config;
    }

    private static int positive(final Map<String, String> options, final String name)
    {
        final int value = number(options, name, 0);
        if (value <= 0)
        {
            throw new IllegalArgumentException(name + " takes a positive number of milliseconds");
        }
        return value;
    }

    private static Path directory(final Map<String, String> options)
    {
        return Path.of(options.getOrDefault("--dir", QueueConfig.DEFAULT_DIRECTORY.toString()));
    }

    /** The existing queue's shape, as its header tells it. */
    private static QueueConfig shapeOf(final Path directory, final String name)
    {
        final Path file = QueueName.path(directory, name);
        if (!Files.exists(file))
        {
            return null;
        }
        final QueueSnapshot snapshot = QueueFiles.snapshot(file);
        if (!snapshot.valid())
        {
            throw new ShmqException(file + " is not a shmq queue (or of another layout version)");
        }
        return QueueConfig.of(snapshot.kind(), snapshot.capacity()).withMaxMessageLength(snapshot.maxMessageLength())
            .withRecordAlignment(snapshot.alignment()).withDirectory(directory);
    }

    private static int sendUntilStopped(final PrintStream out, final PrintStream err, final Map<String, String> options)
        throws InterruptedException
    {
        final String name = options.get("--queue");
        final Path directory = directory(options);
        final QueueConfig shape = shapeOf(directory, name);
        if (shape == null)
        {
            throw new ShmqException("no queue '" + name + "' in " + directory + ": the sending side bridges an " +
                "existing queue; create it first (its producers do)");
        }
        try (ShmQueue queue = ShmQueue.open(name, shape);
            QueueBridge bridge = QueueBridge.send(queue, config(options, options.get("--to"))))
        {
            return runUntilStopped(out, err, bridge);
        }
    }

    private static int receiveUntilStopped(
        final PrintStream out, final PrintStream err, final Map<String, String> options) throws InterruptedException
    {
        final String name = options.get("--queue");
        final Path directory = directory(options);
        QueueConfig shape = shapeOf(directory, name);
        if (shape == null)
        {
            final int capacity = number(options, "--capacity", 0);
            if (capacity == 0)
            {
                throw new ShmqException("no queue '" + name + "' in " + directory + ": create it, or give " +
                    "--capacity (and --max-message) to have the bridge create it as SPSC");
            }
            shape = QueueConfig.of(RingKind.SPSC, capacity).withDirectory(directory);
            if (options.containsKey("--max-message"))
            {
                shape = shape.withMaxMessageLength(number(options, "--max-message", 0));
            }
        }
        try (ShmQueue queue = ShmQueue.createOrOpen(name, shape);
            QueueBridge bridge = QueueBridge.receive(queue, config(options, options.get("--from"))))
        {
            return runUntilStopped(out, err, bridge);
        }
    }

    private static int channelUntilStopped(
        final PrintStream out, final PrintStream err, final Map<String, String> options) throws InterruptedException
    {
        final String name = options.get("--name");
        final String toServer = options.get("--requests");
        final String toClients = options.get("--responses");
        final ChannelConfig channel = ChannelConfig.of(QueueConfig.spsc(number(options, "--capacity", 0))
            .withDirectory(directory(options)));
        // Requests: data to the server's host, acknowledgements back; responses: the mirror, two stream ids on.
        final Map<String, String> requests = new HashMap<>(options);
        requests.put("--acks", toClients);
        final Map<String, String> responses = new HashMap<>(options);
        responses.put("--acks", toServer);
        responses.put("--stream", Integer.toString(number(options, "--stream", BridgeConfig.DEFAULT_STREAM_ID) + 2));
        final BridgeConfig requestsConfig = config(requests, toServer);
        final BridgeConfig responsesConfig = config(responses, toClients);
        try (ChannelBridge bridge = options.get("--side").equals("clients") ?
            ChannelBridge.forClients(name, channel, requestsConfig, responsesConfig) :
            ChannelBridge.toServer(name, channel, requestsConfig, responsesConfig))
        {
            return runUntilStopped(out, err, bridge, bridge.queueBridge());
        }
    }

    private static int runUntilStopped(final PrintStream out, final PrintStream err, final QueueBridge bridge)
        throws InterruptedException
    {
        return runUntilStopped(out, err, bridge, bridge);
    }

    /**
     * Prints {@code running}'s state every few seconds until {@code bridge} stops; closes {@code running} on SIGINT
     * or SIGTERM.
     */
    private static int runUntilStopped(final PrintStream out, final PrintStream err, final AutoCloseable running,
        final QueueBridge bridge) throws InterruptedException
    {
        out.println("running " + running + "; Ctrl-C stops it");
        // On SIGINT or SIGTERM the bridge closes in the hook, so its Aeron side (an embedded driver's directory)
        // is gone before the JVM is; unacknowledged messages stay in the sending ring for the next run.
        final boolean[] stopping = new boolean[1];
        final Thread hook = new Thread(() ->
        {
            stopping[0] = true;
            out.println("stopping: " + running);
            try
            {
                running.close();
            }
            catch (final Exception ex)
            {
                err.println("shmq bridge: " + ex.getMessage());
            }
        }, "shmq-bridge-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            while (!bridge.awaitStop(REPORT_MILLIS))
            {
                out.println(running);
            }
        }
        finally
        {
            // Stopped by a failure, or this thread interrupted (embedded): the caller closes it.
            if (!stopping[0])
            {
                removeHook(hook);
            }
        }
        if (stopping[0])
        {
            return 0;
        }
        err.println("shmq bridge: " + bridge.failure().getMessage());
        return 1;
    }

    private static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // Already shutting down: the hook has run.
        }
    }

    /** The usage text, for tests. */
    static List<String> usage()
    {
        return List.of(USAGE.split("\n"));
    }
}
