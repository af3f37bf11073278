package io.shmq.examples.sidecar;

import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.examples.PeerProcess;
import io.shmq.platform.JvmRequirements;
import io.shmq.rpc.BodyClaim;
import io.shmq.rpc.RequestClient;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleBiFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The sidecar demo: this JVM is a service that asks its sidecar (a second JVM, {@link Sidecar}) for price quotes;
 * the sidecar authorises each request by its api key, rate-limits the free tier, forwards it upstream and returns
 * the answer. The same exchange runs over a shmq channel and over a Unix domain socket, in interleaved rounds, and
 * the demo prints requests per second (64 requests in flight) and round-trip percentiles (one in flight) side by
 * side, each the median of the rounds. Every
 * response is checked against its request (order, correlation, status, price); the exit status is 0 only if all
 * matched.
 *
 * <p>Arguments (optional): {@code [remote] [requests]}, the number of requests of the throughput phase (default
 * 10,000,000). With {@code remote} the service and the sidecar play two hosts ({@link RemoteSidecar}): the channel
 * crosses between them through a channel bridge on each side over Aeron UDP, and the socket is TCP.
 */
public final class SidecarDemo
{
    private static final int WINDOW = 64;
    private static final int ROUNDS = 5;
    private static final int WARMUP_REQUESTS = 300_000;
    private static final int LATENCY_REQUESTS = 200_000;
    private static boolean yieldWhenIdle;

    private SidecarDemo()
    {
    }

    private static int requests(final String[] args)
    {
        try
        {
            if (args.length <= 1)
            {
                final int requests = args.length == 0 ? 10_000_000 : Integer.parseInt(args[0]);
                if (requests > 0)
                {
                    return requests;
                }
            }
        }
        catch (final NumberFormatException ex)
        {
            // Falls through to the usage line.
        }
        System.err.println("usage: ./run-demo.sh [remote] [REQUESTS]   (a positive number of requests per " +
            "transport; default 10000000)\n       ./run-demo.sh queue [--messages N] [--size BYTES] " +
            "[--latency-messages N]");
        System.exit(64);
        return 0;
    }

    /**
     * Entry point.
     *
     * @param args {@code [requests]}.
     * @throws Exception when the sidecar cannot be started or reached.
     */
    public static void main(final String[] arguments) throws Exception
    {
        JvmRequirements.requireAgronaAccess();
        final boolean remote = arguments.length > 0 && "remote".equals(arguments[0]);
        final String[] args = remote ? Arrays.copyOfRange(arguments, 1, arguments.length) : arguments;
        yieldWhenIdle = remote;
        final int requests = requests(args);
        final String channelName = "sidecar-demo-" + ProcessHandle.current().pid();
        final Path hosts = remote ? Files.createTempDirectory(Path.of("/dev/shm"), "shmq-remote-demo-") : null;
        final String socketAddress = remote ? RemoteSidecar.TCP_PREFIX + freePort() :
            Path.of(System.getProperty("java.io.tmpdir"), "shmq-" + channelName + ".sock").toString();
        final int udpPort = remote ? freePort() : 0;
        final Process sidecar;
        try
        {
            sidecar = remote ?
                startSidecar(channelName, socketAddress, "--remote", hosts.resolve("sidecar").toString(),
                    Integer.toString(udpPort)) :
                startSidecar(channelName, socketAddress);
        }
        catch (final Exception ex)
        {
            deleteTree(hosts);
            throw ex;
        }
        final Thread cleanup = new Thread(() ->
        {
            sidecar.destroyForcibly();
            ShmQueue.delete(channelName + Channel.CLIENT_TO_SERVER);
            ShmQueue.delete(channelName + Channel.SERVER_TO_CLIENT);
            try
            {
                if (remote)
                {
                    sidecar.waitFor(10, TimeUnit.SECONDS);
                    deleteTree(hosts);
                }
                else
                {
                    Files.deleteIfExists(Path.of(socketAddress));
                }
            }
            catch (final IOException ignore)
            {
                // Best effort on the way out.
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        final String shmqName = remote ? "shmq over Aeron UDP" : "shmq channel";
        final String socketName = remote ? "TCP socket" : "Unix domain socket";

        System.out.printf("sidecar demo: service JVM %d, sidecar JVM %d, %d cores; %d rounds, each shmq then the " +
            "socket (or the other way round), %,d requests a transport%n", ProcessHandle.current().pid(),
            sidecar.pid(), Runtime.getRuntime().availableProcessors(), ROUNDS,
            WARMUP_REQUESTS + LATENCY_REQUESTS + requests);
        final List<Result> shmq = new ArrayList<>();
        final List<Result> socket = new ArrayList<>();
        final ChannelConfig channelConfig = remote ?
            RemoteSidecar.channel(Files.createDirectories(hosts.resolve("service"))) :
            ChannelConfig.of(Sidecar.RING_CAPACITY);
        try (AutoCloseable bridge = remote ?
                RemoteSidecar.bridge(channelName, hosts.resolve("service"), udpPort, true) : () -> { };
            ShmqQuoteClient shmqClient = new ShmqQuoteClient(Channel.connect(channelName, channelConfig,
                TimeUnit.SECONDS.toNanos(30)));
            SocketQuoteClient socketClient = new SocketQuoteClient(socketAddress))
        {
            pipelined(shmqClient, shmqClient.checker(), WARMUP_REQUESTS);
            pipelined(socketClient, socketClient.checker(), WARMUP_REQUESTS);
            // Interleaved rounds: this shared machine changes speed within seconds; each round's two runs are
            // close in time, and the ratios are taken round by round.
            for (int round = 0; round < ROUNDS; round++)
            {
                if ((round & 1) == 0)
                {
                    shmq.add(exchange(shmqName, shmqClient, requests / ROUNDS));
                    socket.add(exchange(socketName, socketClient, requests / ROUNDS));
                }
                else
                {
                    socket.add(exchange(socketName, socketClient, requests / ROUNDS));
                    shmq.add(exchange(shmqName, shmqClient, requests / ROUNDS));
                }
            }
        }
        if (!sidecar.waitFor(30, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("the sidecar did not finish");
        }

        System.out.println();
        System.out.printf("%-30s %18s %20s %10s%n", "median of " + ROUNDS + " rounds", shmqName, socketName,
            "shmq gain");
        System.out.printf("%-30s %,18.0f %,20.0f %9.1fx%n", "requests/s (64 in flight)",
            median(shmq, r -> r.rate), median(socket, r -> r.rate), medianRatio(shmq, socket, (a, b) -> a.rate / b.rate));
        for (final double percentile : new double[]{ 50, 90, 99, 99.9 })
        {
            System.out.printf("%-30s %,15.0f ns %,17.0f ns %9.1fx%n", "round trip p" + fmt(percentile) +
                " (1 in flight)", median(shmq, r -> r.latency.getValueAtPercentile(percentile)),
                median(socket, r -> r.latency.getValueAtPercentile(percentile)),
                medianRatio(shmq, socket, (a, b) -> (double)b.latency.getValueAtPercentile(percentile) /
                    a.latency.getValueAtPercentile(percentile)));
        }
        final ResponseChecker shmqChecks = shmq.get(0).checker;
        final ResponseChecker socketChecks = socket.get(0).checker;
        System.out.printf("%-30s %,18d %,20d%n", "responses checked", shmqChecks.received, socketChecks.received);
        System.out.printf("%-30s %,18d %,20d%n", "responses wrong or missing", shmqChecks.faults, socketChecks.faults);
        final boolean ok = shmqChecks.faults == 0 && socketChecks.faults == 0 && sidecar.exitValue() == 0;
        System.out.println(ok ? "every response matched its request" : "FAILED: see the counts above");
        Runtime.getRuntime().removeShutdownHook(cleanup);
        cleanup.run();
        System.exit(ok ? 0 : 1);
    }

    private static double median(final List<Result> results, final ToDoubleFunction<Result> value)
    {
        final double[] values = results.stream().mapToDouble(value).sorted().toArray();
        return values[values.length / 2];
    }

    private static double medianRatio(final List<Result> shmq, final List<Result> socket,
        final ToDoubleBiFunction<Result, Result> ratio)
    {
        final double[] values = new double[shmq.size()];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = ratio.applyAsDouble(shmq.get(i), socket.get(i));
        }
        Arrays.sort(values);
        return values[values.length / 2];
    }

    private static String fmt(final double percentile)
    {
        return percentile == Math.rint(percentile) ? Long.toString((long)percentile) : Double.toString(percentile);
    }

    private record Result(double rate, Histogram latency, ResponseChecker checker)
    {
    }

    private static Result exchange(final String transport, final QuoteClient client, final int requests)
    {
        final ResponseChecker checker = client.checker();
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        for (int i = 0; i < LATENCY_REQUESTS / ROUNDS; i++)
        {
            final long sequence = checker.received;
            final long start = System.nanoTime();
            while (!client.trySend(sequence))
            {
                client.poll();
            }
            while (checker.received == sequence)
            {
                if (client.poll() == 0)
                {
                    idle();
                }
            }
            latency.recordValue(Math.min(System.nanoTime() - start, latency.getHighestTrackableValue()));
        }

        final long start = System.nanoTime();
        pipelined(client, checker, requests);
        final double rate = requests * 1e9 / (System.nanoTime() - start);
        System.out.printf("  %-20s %,12.0f requests/s, round trip p50 %,d ns p99 %,d ns (%s)%n", transport, rate,
            latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), checker.statuses());
        return new Result(rate, latency, checker);
    }

    /**
     * Sends {@code count} requests with up to {@link #WINDOW} in flight and takes every response.
     */
    private static void pipelined(final QuoteClient client, final ResponseChecker checker, final int count)
    {
        final long end = checker.received + count;
        long sent = checker.received;
        while (checker.received < end)
        {
            while (sent < end && sent - checker.received < WINDOW && client.trySend(sent))
            {
                sent++;
            }
            if (client.poll() == 0)
            {
                idle();
            }
        }
    }

    /**
     * Between polls that found nothing: a spin; in the remote run a yield, since this JVM's bridge thread needs the
     * core too (a spinning caller kept it off for a time slice, a millisecond or two, per round trip).
     */
    private static void idle()
    {
        if (yieldWhenIdle)
        {
            Thread.yield();
        }
        else
        {
            Thread.onSpinWait();
        }
    }

    private static int freePort() throws IOException
    {
        // Two in a row for the remote run's UDP pair; the TCP socket takes one.
        for (int attempt = 0; attempt < 100; attempt++)
        {
            // Below the kernel's ephemeral ports (from 32768 by default), which Aeron's send sockets take.
            final int port = 10_000 + ThreadLocalRandom.current().nextInt(20_000);
            try (DatagramSocket first = new DatagramSocket(port); DatagramSocket second = new DatagramSocket(port + 1);
                ServerSocket tcp = new ServerSocket(port))
            {
                return port;
            }
            catch (final IOException taken)
            {
                // Try another.
            }
        }
        throw new IOException("no free pair of ports on the loopback");
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }

    private static Process startSidecar(final String channelName, final String... sidecarArgs) throws Exception
    {
        final String[] all = new String[sidecarArgs.length + 1];
        all[0] = channelName;
        System.arraycopy(sidecarArgs, 0, all, 1, sidecarArgs.length);
        final List<String> command = PeerProcess.command(Sidecar.class, all);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final CountDownLatch ready = new CountDownLatch(1);
        final Thread echo = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    if ("READY".equals(line))
                    {
                        ready.countDown();
                    }
                    else
                    {
                        System.out.println("  [sidecar] " + line);
                    }
                }
            }
            catch (final IOException ignore)
            {
                // The sidecar is gone; its exit status tells.
            }
        }, "sidecar-output");
        echo.setDaemon(true);
        echo.start();
        if (!ready.await(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("the sidecar did not start within 30 s");
        }
        return process;
    }

    /**
     * What the demo sends for request number {@code sequence}, and what it must get back.
     */
    static final class ResponseChecker
    {
        long received;
        long faults;
        private long ok;
        private long unauthorised;
        private long rateLimited;

        static long apiKey(final long sequence)
        {
            // One request in 64 carries a key the sidecar does not know.
            return (sequence & 63) == 5 ? 4242 : 1 + (sequence & 7);
        }

        static int sku(final long sequence)
        {
            return (int)(sequence & 1023);
        }

        static int quantity(final long sequence)
        {
            return 1 + (int)(sequence & 3);
        }

        void check(final QuoteResponse response)
        {
            final long sequence = received++;
            final long key = apiKey(sequence);
            final int status = response.status();
            boolean right = response.sequence() == sequence;
            if (!QuoteGateway.isKnown(key))
            {
                right &= status == QuoteResponse.UNAUTHORISED;
                unauthorised++;
            }
            else if (status == QuoteResponse.RATE_LIMITED)
            {
                right &= key == QuoteGateway.FREE_TIER_KEY;
                rateLimited++;
            }
            else
            {
                right &= status == QuoteResponse.OK &&
                    response.price() == QuoteGateway.upstreamPrice(sku(sequence), quantity(sequence));
                ok++;
            }
            if (!right)
            {
                faults++;
            }
        }

        String statuses()
        {
            return String.format("%,d OK, %,d unauthorised, %,d rate-limited", ok, unauthorised, rateLimited);
        }
    }

    /**
     * One transport, driven the same way for both: non-blocking sends and polls.
     */
    private interface QuoteClient extends AutoCloseable
    {
        ResponseChecker checker();

        boolean trySend(long sequence);

        int poll();

        void close();
    }

    /**
     * Over the shmq channel: each request is encoded by the flyweight straight into the claimed slot, each response
     * decoded where it lies in the ring.
     */
    private static final class ShmqQuoteClient implements QuoteClient
    {
        private final Channel channel;
        private final RequestClient client;
        private final ResponseChecker checker = new ResponseChecker();
        private final BodyClaim claim = new BodyClaim();
        private final QuoteRequest request = new QuoteRequest();
        private final QuoteResponse response = new QuoteResponse();
        private long firstCorrelationId = -1;

        ShmqQuoteClient(final Channel channel)
        {
            this.channel = channel;
            this.client = new RequestClient(channel, (correlationId, type, buffer, index, length) ->
            {
                response.wrapForDecode(buffer, index);
                if (correlationId - firstCorrelationId != response.sequence() || type != QuoteResponse.MSG_TYPE_ID)
                {
                    checker.faults++;
                }
                checker.check(response);
            });
        }

        public ResponseChecker checker()
        {
            return checker;
        }

        public boolean trySend(final long sequence)
        {
            final long id = client.claim(QuoteRequest.MSG_TYPE_ID, QuoteRequest.LENGTH, claim);
            if (id == RequestClient.NOT_SENT)
            {
                return false;
            }
            if (firstCorrelationId < 0)
            {
                firstCorrelationId = id - sequence;
            }
            request.wrapForEncode(claim.buffer(), claim.offset())
                .sequence(sequence)
                .apiKey(ResponseChecker.apiKey(sequence))
                .sku(ResponseChecker.sku(sequence))
                .quantity(ResponseChecker.quantity(sequence));
            claim.commit();
            return true;
        }

        public int poll()
        {
            return client.poll(WINDOW);
        }

        public void close()
        {
            channel.close();
        }
    }

    /**
     * Over the socket: requests are encoded into a send buffer, length-prefixed, and written when polled;
     * responses are read into a buffer and decoded from it.
     */
    private static final class SocketQuoteClient implements QuoteClient
    {
        private final SocketChannel socket;
        private final ResponseChecker checker = new ResponseChecker();
        private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        private final UnsafeBuffer outView = new UnsafeBuffer(out);
        private final UnsafeBuffer inView = new UnsafeBuffer(in);
        private final QuoteRequest request = new QuoteRequest();
        private final QuoteResponse response = new QuoteResponse();

        SocketQuoteClient(final String address) throws IOException
        {
            socket = RemoteSidecar.connect(address);
            socket.configureBlocking(false);
        }

        public ResponseChecker checker()
        {
            return checker;
        }

        public boolean trySend(final long sequence)
        {
            if (out.remaining() < SocketFrames.HEADER_LENGTH + QuoteRequest.LENGTH)
            {
                return false;
            }
            out.putInt(out.position(), QuoteRequest.LENGTH);
            request.wrapForEncode(outView, out.position() + SocketFrames.HEADER_LENGTH)
                .sequence(sequence)
                .apiKey(ResponseChecker.apiKey(sequence))
                .sku(ResponseChecker.sku(sequence))
                .quantity(ResponseChecker.quantity(sequence));
            out.position(out.position() + SocketFrames.HEADER_LENGTH + QuoteRequest.LENGTH);
            return true;
        }

        public int poll()
        {
            try
            {
                if (out.position() > 0)
                {
                    out.flip();
                    socket.write(out);
                    out.compact();
                }
                if (socket.read(in) < 0)
                {
                    throw new IllegalStateException("the sidecar closed the socket");
                }
                in.flip();
                int taken = 0;
                while (in.remaining() >= SocketFrames.HEADER_LENGTH + QuoteResponse.LENGTH)
                {
                    if (in.getInt(in.position()) != QuoteResponse.LENGTH)
                    {
                        checker.faults++;
                    }
                    checker.check(response.wrapForDecode(inView, in.position() + SocketFrames.HEADER_LENGTH));
                    in.position(in.position() + SocketFrames.HEADER_LENGTH + QuoteResponse.LENGTH);
                    taken++;
                }
                in.compact();
                return taken;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        public void close()
        {
            try
            {
                socket.close();
            }
            catch (final IOException ignore)
            {
                // Closing anyway.
            }
        }
    }
}
