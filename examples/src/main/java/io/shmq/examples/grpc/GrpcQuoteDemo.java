package io.shmq.examples.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.shmq.examples.PeerProcess;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * gRPC over shmq, beside gRPC over a Unix domain socket and TCP: this JVM is a service calling its sidecar's quote
 * service ({@link QuoteServer}, a second JVM serving every transport at once). The same calls go over each
 * transport in interleaved rounds; every reply is checked; it prints the round trip of unary calls (one in flight,
 * from a blocking stub and from an async stub whose callbacks start the next call on the event loop), the rate of
 * a server stream, the CPU both processes spent per call, and gRPC's in-process
 * transport in this JVM as the floor no transport can beat. Then it shows a deadline and a cancellation over shmq.
 *
 * <pre>
 *   GrpcQuoteDemo [--calls N] [--ticks N] [--rounds N]
 * </pre>
 */
public final class GrpcQuoteDemo
{
    private static final String USAGE = "usage: GrpcQuoteDemo [--calls N] [--ticks N] [--rounds N]";

    private final int calls;
    private final int ticks;
    private final int rounds;
    private long wrong;
    private long checked;

    private GrpcQuoteDemo(final int calls, final int ticks, final int rounds)
    {
        this.calls = calls;
        this.ticks = ticks;
        this.rounds = rounds;
    }

    /**
     * Runs the demo.
     *
     * @param args options; see the class comment.
     */
    public static void main(final String[] args) throws Exception
    {
        int calls = 20_000;
        int ticks = 200_000;
        int rounds = 3;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                switch (args[i])
                {
                    case "--calls" -> calls = positive(args[++i]);
                    case "--ticks" -> ticks = positive(args[++i]);
                    case "--rounds" -> rounds = positive(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            System.err.println(ex.getMessage() == null ? USAGE : ex.getMessage() + "\n" + USAGE);
            System.exit(64);
        }
        System.exit(new GrpcQuoteDemo(calls, ticks, rounds).run());
    }

    private int run() throws Exception
    {
        QuoteApi.quietExpectedWarnings();
        final String name = "grpc-quotes-" + ProcessHandle.current().pid();
        final Process sidecar = new ProcessBuilder(PeerProcess.command(QuoteServer.class, name))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final BufferedReader fromSidecar =
            new BufferedReader(new InputStreamReader(sidecar.getInputStream(), StandardCharsets.UTF_8));
        final Writer toSidecar = new OutputStreamWriter(sidecar.getOutputStream(), StandardCharsets.UTF_8);
        final Map<GrpcTransport, EventLoopGroup> groups = new EnumMap<>(GrpcTransport.class);
        final Map<GrpcTransport, ManagedChannel> channels = new EnumMap<>(GrpcTransport.class);
        final ScheduledExecutorService timer = QuoteApi.newTimer();
        Server inProcess = null;
        ManagedChannel inProcessChannel = null;
        try
        {
            final String ready = fromSidecar.readLine();
            if (ready == null || !ready.startsWith("READY "))
            {
                System.err.println("the sidecar did not start: " + ready);
                return 1;
            }
            final int tcpPort = Integer.parseInt(ready.substring(6).trim());
            for (final GrpcTransport transport : GrpcTransport.values())
            {
                final EventLoopGroup group = transport.newGroup();
                groups.put(transport, group);
                final SocketAddress address = transport.address(name, tcpPort);
                channels.put(transport, transport.channel(address, group));
            }
            inProcess = InProcessServerBuilder.forName(name).directExecutor()
                .addService(QuoteApi.service(timer)).build().start();
            inProcessChannel = InProcessChannelBuilder.forName(name).directExecutor().build();

            System.out.printf("gRPC %s over each transport: %,d unary calls (one in flight) and a stream of %,d " +
                "replies, %d interleaved rounds%n", "Quote/Ticks", calls, ticks, rounds);
            for (final ManagedChannel channel : channels.values())
            {
                measure(channel, Math.max(1_000, calls / 2), Math.max(1_000, ticks / 4));
            }
            measure(inProcessChannel, Math.max(1_000, calls / 2), 0);

            final Map<GrpcTransport, List<Result>> results = new EnumMap<>(GrpcTransport.class);
            final List<Result> floor = new ArrayList<>();
            final List<GrpcTransport> order = new ArrayList<>(List.of(GrpcTransport.values()));
            for (int round = 0; round < rounds; round++)
            {
                for (final GrpcTransport transport : order)
                {
                    final long sidecarCpu = sidecarCpu(toSidecar, fromSidecar);
                    final Result result = measure(channels.get(transport), calls, ticks);
                    result.sidecarCpuNanos = sidecarCpu(toSidecar, fromSidecar) - sidecarCpu;
                    results.computeIfAbsent(transport, t -> new ArrayList<>()).add(result);
                }
                floor.add(measure(inProcessChannel, calls, 0));
                Collections.reverse(order);
            }
            print(results, floor);
            showDeadlineAndCancellation(channels.get(GrpcTransport.SHMQ));
        }
        finally
        {
            for (final ManagedChannel channel : channels.values())
            {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (inProcessChannel != null)
            {
                inProcessChannel.shutdownNow();
                inProcess.shutdownNow();
            }
            for (final EventLoopGroup group : groups.values())
            {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            }
            timer.shutdownNow();
            try
            {
                toSidecar.write("quit\n");
                toSidecar.flush();
            }
            catch (final IOException gone)
            {
                // It is gone already.
            }
            if (!sidecar.waitFor(10, TimeUnit.SECONDS))
            {
                sidecar.destroyForcibly();
            }
        }
        System.out.printf("replies checked %,d, wrong or missing %,d%n", checked, wrong);
        if (wrong == 0)
        {
            System.out.println("every reply matched its request");
            return 0;
        }
        return 1;
    }

    private Result measure(final ManagedChannel channel, final int unaryCalls, final int streamed)
    {
        final Result result = new Result();
        final long cpu = QuoteServer.processCpuNanos();
        final Histogram histogram = result.roundTrips;
        for (int i = 0; i < unaryCalls; i++)
        {
            final long sku = i * 31L + 7;
            final int quantity = 1 + (i & 15);
            final long start = System.nanoTime();
            final byte[] reply = ClientCalls.blockingUnaryCall(channel, QuoteApi.QUOTE, CallOptions.DEFAULT,
                QuoteApi.quoteRequest(sku, quantity));
            histogram.recordValue(System.nanoTime() - start);
            final ByteBuffer in = ByteBuffer.wrap(reply);
            check(reply.length == QuoteApi.PRICE_LENGTH && in.getLong() == sku &&
                in.getLong() == QuoteApi.price(sku, quantity));
        }
        final AsyncUnaryChain chain = new AsyncUnaryChain(channel, unaryCalls, result.asyncRoundTrips);
        try
        {
            chain.start().get(5, TimeUnit.MINUTES);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("asynchronous calls failed: " + ex, ex);
        }
        checked += chain.checked;
        wrong += chain.wrong;
        if (streamed > 0)
        {
            final long start = System.nanoTime();
            final Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, QuoteApi.TICKS,
                CallOptions.DEFAULT, QuoteApi.longRequest(streamed));
            long expected = 0;
            while (stream.hasNext())
            {
                final byte[] reply = stream.next();
                final ByteBuffer in = ByteBuffer.wrap(reply);
                check(reply.length == QuoteApi.PRICE_LENGTH && in.getLong() == expected &&
                    in.getLong() == QuoteApi.price(expected, 1));
                expected++;
            }
            check(expected == streamed);
            result.streamPerSecond = streamed / ((System.nanoTime() - start) / 1e9);
        }
        result.calls = 2L * unaryCalls + streamed;
        result.clientCpuNanos = QuoteServer.processCpuNanos() - cpu;
        return result;
    }

    private void showDeadlineAndCancellation(final ManagedChannel shmq)
    {
        final long start = System.nanoTime();
        try
        {
            ClientCalls.blockingUnaryCall(shmq, QuoteApi.DELAYED,
                CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS), QuoteApi.longRequest(500));
            check(false);
            System.out.println("deadline: the call was not cut short");
        }
        catch (final StatusRuntimeException ex)
        {
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            check(ex.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED);
            System.out.printf("deadline over shmq: a 500 ms call with a 50 ms deadline ended with %s after %d ms%n",
                ex.getStatus().getCode(), millis);
        }
        final ClientCall<byte[], byte[]> call = shmq.newCall(QuoteApi.TICKS, CallOptions.DEFAULT);
        final Iterator<byte[]> endless =
            ClientCalls.blockingServerStreamingCall(call, QuoteApi.longRequest(Long.MAX_VALUE));
        int received = 0;
        while (received < 1_000 && endless.hasNext())
        {
            endless.next();
            received++;
        }
        call.cancel("the service has seen enough", null);
        final byte[] reply = ClientCalls.blockingUnaryCall(shmq, QuoteApi.QUOTE, CallOptions.DEFAULT,
            QuoteApi.quoteRequest(42, 1));
        check(ByteBuffer.wrap(reply).getLong(8) == QuoteApi.price(42, 1));
        System.out.printf("cancellation over shmq: an endless stream cancelled after %,d replies; the next call " +
            "on the same connection was answered%n", received);
    }

    private void print(final Map<GrpcTransport, List<Result>> results, final List<Result> floor)
    {
        System.out.printf("%nmedian of %d rounds      blocking stub: p50 %8s %8s %9s  async: p50 %8s %8s  %13s%n",
            rounds, "", "p99", "p99.9", "", "p99", "stream msgs/s");
        for (final GrpcTransport transport : GrpcTransport.values())
        {
            final List<Result> runs = results.get(transport);
            System.out.printf("%-30s %11.1f us %8.1f us %8.1f us %13.1f us %8.1f us %,14.0f%n", transport.label(),
                median(runs, r -> r.roundTrips.getValueAtPercentile(50) / 1e3),
                median(runs, r -> r.roundTrips.getValueAtPercentile(99) / 1e3),
                median(runs, r -> r.roundTrips.getValueAtPercentile(99.9) / 1e3),
                median(runs, r -> r.asyncRoundTrips.getValueAtPercentile(50) / 1e3),
                median(runs, r -> r.asyncRoundTrips.getValueAtPercentile(99) / 1e3),
                median(runs, r -> r.streamPerSecond));
        }
        System.out.printf("%-30s %11.1f us %8.1f us %8.1f us %13.1f us %8.1f us %14s%n",
            "in-process (one JVM, floor)",
            median(floor, r -> r.roundTrips.getValueAtPercentile(50) / 1e3),
            median(floor, r -> r.roundTrips.getValueAtPercentile(99) / 1e3),
            median(floor, r -> r.roundTrips.getValueAtPercentile(99.9) / 1e3),
            median(floor, r -> r.asyncRoundTrips.getValueAtPercentile(50) / 1e3),
            median(floor, r -> r.asyncRoundTrips.getValueAtPercentile(99) / 1e3), "-");
        System.out.printf("%nCPU per call (both processes; blocking, async and streamed replies together)%n");
        for (final GrpcTransport transport : GrpcTransport.values())
        {
            final List<Result> runs = results.get(transport);
            System.out.printf("%-30s %8.2f us client %8.2f us sidecar%n", transport.label(),
                median(runs, r -> r.clientCpuNanos / 1e3 / r.calls),
                median(runs, r -> r.sidecarCpuNanos / 1e3 / r.calls));
        }
        final List<Result> shmq = results.get(GrpcTransport.SHMQ);
        final List<Result> uds = results.get(GrpcTransport.UDS);
        System.out.printf("%nshmq over the Unix socket, same rounds: blocking round trip p50 %.1f x lower, p99 %.1f x " +
            "lower; async p50 %.1f x lower, p99 %.1f x lower; stream %.1f x faster%n",
            ratio(uds, shmq, r -> (double)r.roundTrips.getValueAtPercentile(50)),
            ratio(uds, shmq, r -> (double)r.roundTrips.getValueAtPercentile(99)),
            ratio(uds, shmq, r -> (double)r.asyncRoundTrips.getValueAtPercentile(50)),
            ratio(uds, shmq, r -> (double)r.asyncRoundTrips.getValueAtPercentile(99)),
            ratio(shmq, uds, r -> r.streamPerSecond));
    }

    private void check(final boolean ok)
    {
        checked++;
        if (!ok)
        {
            wrong++;
        }
    }

    private static long sidecarCpu(final Writer to, final BufferedReader from) throws IOException
    {
        to.write("cpu\n");
        to.flush();
        final String line = from.readLine();
        if (line == null || !line.startsWith("CPU "))
        {
            throw new IOException("the sidecar did not report its CPU time: " + line);
        }
        return Long.parseLong(line.substring(4).trim());
    }

    private double ratio(
        final List<Result> numerators, final List<Result> denominators, final ToDoubleFunction<Result> value)
    {
        final double[] ratios = new double[numerators.size()];
        for (int i = 0; i < ratios.length; i++)
        {
            ratios[i] = value.applyAsDouble(numerators.get(i)) / value.applyAsDouble(denominators.get(i));
        }
        return medianOf(ratios);
    }

    private static double median(final List<Result> runs, final ToDoubleFunction<Result> value)
    {
        return medianOf(runs.stream().mapToDouble(value).toArray());
    }

    private static double medianOf(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int positive(final String text)
    {
        final int value = Integer.parseInt(text);
        if (value <= 0)
        {
            throw new IllegalArgumentException("expected a positive number, got " + text);
        }
        return value;
    }

    /**
     * Unary calls one after another, each started from the previous one's completion on the channel's event loop
     * (async stub, {@code directExecutor}): no thread hands a call or its answer to another.
     */
    private static final class AsyncUnaryChain implements StreamObserver<byte[]>
    {
        private final ManagedChannel channel;
        private final int calls;
        private final Histogram roundTrips;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private int index;
        private long sku;
        private int quantity;
        private long start;
        private boolean answered;
        private boolean starting;
        private boolean another;
        long checked;
        long wrong;

        AsyncUnaryChain(final ManagedChannel channel, final int calls, final Histogram roundTrips)
        {
            this.channel = channel;
            this.calls = calls;
            this.roundTrips = roundTrips;
        }

        CompletableFuture<Void> start()
        {
            next();
            return done;
        }

        private void next()
        {
            // gRPC's in-process transport completes a call inside asyncUnaryCall: loop instead of recursing.
            if (starting)
            {
                another = true;
                return;
            }
            starting = true;
            try
            {
                do
                {
                    another = false;
                    startCall();
                }
                while (another);
            }
            finally
            {
                starting = false;
            }
        }

        private void startCall()
        {
            sku = index * 17L + 3;
            quantity = 1 + (index & 7);
            answered = false;
            start = System.nanoTime();
            ClientCalls.asyncUnaryCall(channel.newCall(QuoteApi.QUOTE, CallOptions.DEFAULT),
                QuoteApi.quoteRequest(sku, quantity), this);
        }

        @Override
        public void onNext(final byte[] reply)
        {
            roundTrips.recordValue(System.nanoTime() - start);
            final ByteBuffer in = ByteBuffer.wrap(reply);
            checked++;
            answered = true;
            if (reply.length != QuoteApi.PRICE_LENGTH || in.getLong() != sku ||
                in.getLong() != QuoteApi.price(sku, quantity))
            {
                wrong++;
            }
        }

        @Override
        public void onError(final Throwable error)
        {
            done.completeExceptionally(error);
        }

        @Override
        public void onCompleted()
        {
            if (!answered)
            {
                wrong++;
            }
            if (++index == calls)
            {
                done.complete(null);
                return;
            }
            next();
        }
    }

    /**
     * One transport's measurements in one round.
     */
    private static final class Result
    {
        final Histogram roundTrips = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final Histogram asyncRoundTrips = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        double streamPerSecond;
        long calls;
        long clientCpuNanos;
        long sidecarCpuNanos;
    }
}
