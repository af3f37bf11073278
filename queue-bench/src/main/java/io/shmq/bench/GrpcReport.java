package io.shmq.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.shmq.bench.harness.JavaCommand;
import io.shmq.bench.harness.ReportOptions;
import io.shmq.process.ProcessIdentity;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
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
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * gRPC (grpc-java on Netty) across two JVMs over shmq, Netty's epoll Unix domain socket and epoll TCP loopback: a
 * 32-byte unary echo, one call in flight, from a blocking stub and from an async stub whose callback starts the
 * next call on the event loop; a server stream of 16-byte messages; the CPU of both processes per call; and gRPC's
 * in-process transport in one JVM, the floor no transport can beat. One event loop thread per side,
 * {@code directExecutor}, interleaved rounds, the phase probed before each run, medians per phase.
 *
 * <p>Run: {@code ./run-bench.sh --grpc [--quick] [--pinned]}.
 */
public final class GrpcReport
{
    private static final List<NettyTransport> TRANSPORTS =
        List.of(NettyTransport.SHMQ, NettyTransport.UDS, NettyTransport.TCP_EPOLL);
    private static final int REQUEST_LENGTH = 32;
    private static final long CLOCK_TICK_NANOS = 10_000_000L;
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>()
    {
        @Override
        public InputStream stream(final byte[] value)
        {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(final InputStream stream)
        {
            try
            {
                return stream.readAllBytes();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> STREAM =
        method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);
    /** Strong references: java.util.logging keeps loggers weakly. */
    private static final List<Logger> QUIET = new ArrayList<>();

    private final int calls;
    private final int streamed;
    private final long warmUpNanos;
    private final ReportOptions placement;
    private final int rounds;
    private final Map<NettyTransport, List<Run>> runs = new EnumMap<>(NettyTransport.class);
    private final List<Run> floor = new ArrayList<>();

    private GrpcReport(final ReportOptions placement)
    {
        this.placement = placement;
        final boolean quick = placement.quick();
        calls = quick ? 5_000 : 20_000;
        streamed = quick ? 50_000 : 200_000;
        rounds = quick ? 1 : 3;
        warmUpNanos = TimeUnit.SECONDS.toNanos(quick ? 1 : 3);
    }

    /**
     * Runs the report, or (with {@code --child}) a server.
     *
     * @param args {@code [--quick] [--pinned]} (pinned: this JVM, the client, on CPU 0, each server on CPU 1), or
     *             {@code --child TRANSPORT NAME}.
     * @throws Exception when a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        // Netty says a Unix socket has no SO_KEEPALIVE each time gRPC sets it: true, and noise here.
        QUIET.add(Logger.getLogger("io.netty.bootstrap"));
        QUIET.forEach(logger -> logger.setLevel(Level.SEVERE));
        if (args.length == 3 && "--child".equals(args[0]))
        {
            serve(NettyTransport.valueOf(args[1]), args[2]);
            return;
        }
        final ReportOptions options = ReportOptions.parse("GrpcReport", args);
        new GrpcReport(options).run();
    }

    private void run() throws Exception
    {
        System.out.printf("# gRPC over shmq, a Unix socket and TCP (%s, %d cores, Java %s, %s)%n%n",
            Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            placement.placement());
        placement.placeClient();
        final List<NettyTransport> order = new ArrayList<>(TRANSPORTS);
        for (int round = 0; round < rounds; round++)
        {
            for (final NettyTransport transport : order)
            {
                final Run run = measure(transport, round);
                runs.computeIfAbsent(transport, t -> new ArrayList<>()).add(run);
            }
            floor.add(inProcess());
            Collections.reverse(order);
        }
        print();
    }

    private Run measure(final NettyTransport transport, final int round) throws Exception
    {
        final String name = "grpc-report-" + ProcessHandle.current().pid() + "-" + round;
        final List<String> command = JavaCommand.of(List.of(), GrpcReport.class, "--child", transport.name(), name);
        final Process server = new ProcessBuilder(placement.serverCommand(command))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final EventLoopGroup group = transport.newGroup();
        ManagedChannel channel = null;
        try
        {
            final BufferedReader out =
                new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            final String ready = out.readLine();
            if (ready == null || !ready.startsWith("READY "))
            {
                throw new IllegalStateException(transport + " gRPC server did not start: " + ready);
            }
            final SocketAddress address = transport.address(name, Integer.parseInt(ready.substring(6).trim()));
            channel = NettyChannelBuilder.forAddress(address)
                .channelType(transport.clientChannel, transport.addressType)
                .eventLoopGroup(group).usePlaintext().directExecutor().build();
            warmUp(channel);
            stream(channel, streamed / 4);

            final Run run = new Run();
            run.phase = placement.probePhase();
            final long self = ProcessHandle.current().pid();
            final long clientTicks = ProcessIdentity.cpuTicks(self);
            final long serverTicks = ProcessIdentity.cpuTicks(server.pid());
            run.blocking = blocking(channel, calls);
            run.async = async(channel, calls);
            run.streamPerSecond = stream(channel, streamed);
            run.cpuNanosPerCall = ((ProcessIdentity.cpuTicks(self) - clientTicks) +
                (ProcessIdentity.cpuTicks(server.pid()) - serverTicks)) * (double)CLOCK_TICK_NANOS /
                (2L * calls + streamed);
            System.out.printf("round %d %-9s %s: blocking p50 %.1f us, async p50 %.1f us, stream %,.0f msgs/s%n",
                round + 1, transport, run.phase, run.blocking[0] / 1e3, run.async[0] / 1e3, run.streamPerSecond);
            return run;
        }
        finally
        {
            if (channel != null)
            {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            server.getOutputStream().close();
            if (!server.waitFor(10, TimeUnit.SECONDS))
            {
                server.destroyForcibly();
            }
        }
    }

    private Run inProcess() throws Exception
    {
        final String name = "grpc-report-floor-" + ProcessHandle.current().pid();
        final Server server = InProcessServerBuilder.forName(name).directExecutor().addService(service()).build()
            .start();
        final ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try
        {
            warmUp(channel);
            final Run run = new Run();
            run.phase = placement.probePhase();
            run.blocking = blocking(channel, calls);
            run.async = async(channel, calls);
            return run;
        }
        finally
        {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    /**
     * Calls, blocking and async in turn, for the warm-up time: a service that has run a while, its code compiled
     * (C2 needs seconds of a vCPU here) and gRPC's pools filled.
     */
    private void warmUp(final ManagedChannel channel) throws Exception
    {
        final long until = System.nanoTime() + warmUpNanos;
        do
        {
            blocking(channel, calls / 10);
            async(channel, calls / 10);
        }
        while (System.nanoTime() - until < 0);
    }

    /** p50, p99, p99.9 of blocking unary calls, ns. */
    private static long[] blocking(final ManagedChannel channel, final int count)
    {
        final long[] samples = new long[count];
        final byte[] request = new byte[REQUEST_LENGTH];
        for (int i = 0; i < count; i++)
        {
            ByteBuffer.wrap(request).putLong(i);
            final long start = System.nanoTime();
            final byte[] reply = ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, request);
            samples[i] = System.nanoTime() - start;
            if (reply.length != REQUEST_LENGTH || ByteBuffer.wrap(reply).getLong() != i)
            {
                throw new IllegalStateException("echo " + i + " came back wrong");
            }
        }
        return percentiles(samples);
    }

    /** p50, p99, p99.9 of async unary calls, each started by the previous one's completion, ns. */
    private static long[] async(final ManagedChannel channel, final int count) throws Exception
    {
        final long[] samples = new long[count];
        final CompletableFuture<Void> done = new CompletableFuture<>();
        new StreamObserver<byte[]>()
        {
            private int index;
            private long start;
            private boolean starting;
            private boolean another;

            {
                next();
            }

            private void next()
            {
                // The in-process transport completes a call inside the call that starts it: loop, do not recurse.
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
                        start = System.nanoTime();
                        ClientCalls.asyncUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT),
                            ByteBuffer.allocate(REQUEST_LENGTH).putLong(index).array(), this);
                    }
                    while (another);
                }
                finally
                {
                    starting = false;
                }
            }

            @Override
            public void onNext(final byte[] reply)
            {
                samples[index] = System.nanoTime() - start;
                if (reply.length != REQUEST_LENGTH || ByteBuffer.wrap(reply).getLong() != index)
                {
                    done.completeExceptionally(new IllegalStateException("echo " + index + " came back wrong"));
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
                if (++index == count)
                {
                    done.complete(null);
                }
                else
                {
                    next();
                }
            }
        };
        done.get(5, TimeUnit.MINUTES);
        return percentiles(samples);
    }

    /** Messages per second of one server stream. */
    private static double stream(final ManagedChannel channel, final int count)
    {
        final long start = System.nanoTime();
        final Iterator<byte[]> messages = ClientCalls.blockingServerStreamingCall(channel, STREAM,
            CallOptions.DEFAULT, ByteBuffer.allocate(Long.BYTES).putLong(count).array());
        long expected = 0;
        while (messages.hasNext())
        {
            if (ByteBuffer.wrap(messages.next()).getLong() != expected++)
            {
                throw new IllegalStateException("stream message " + (expected - 1) + " came out of order");
            }
        }
        if (expected != count)
        {
            throw new IllegalStateException("stream ended after " + expected + " of " + count + " messages");
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private void print()
    {
        System.out.printf("%n| transport | blocking p50 | p99 | p99.9 | async p50 | p99 | p99.9 | stream msgs/s " +
            "| CPU per call, both sides | runs (fast/slow) |%n|---|---|---|---|---|---|---|---|---|---|%n");
        for (final NettyTransport transport : TRANSPORTS)
        {
            row(transport.label, runs.get(transport), true);
        }
        row("in-process (one JVM: the floor)", floor, false);
        System.out.println("\n(each cell: median of the runs made in the fast phase / in the slow phase)");
        for (final String phase : new String[]{ "fast", "slow" })
        {
            final double[] blockingP50 = ratios(phase, r -> r.blocking[0]);
            if (blockingP50.length == 0)
            {
                continue;
            }
            System.out.printf("%nshmq over the Unix socket, same-round %s-phase pairs (%d): blocking p50 %.1f x " +
                "lower, p99 %.1f x lower; async p50 %.1f x lower, p99 %.1f x lower; stream %.1f x faster%n",
                phase, blockingP50.length, median(blockingP50), median(ratios(phase, r -> r.blocking[1])),
                median(ratios(phase, r -> r.async[0])), median(ratios(phase, r -> r.async[1])),
                1 / median(ratios(phase, r -> r.streamPerSecond)));
        }
    }

    private void row(final String label, final List<Run> all, final boolean full)
    {
        System.out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |%n", label,
            byPhase(all, r -> r.blocking[0] / 1e3, "%.1f us"), byPhase(all, r -> r.blocking[1] / 1e3, "%.1f us"),
            byPhase(all, r -> r.blocking[2] / 1e3, "%.1f us"), byPhase(all, r -> r.async[0] / 1e3, "%.1f us"),
            byPhase(all, r -> r.async[1] / 1e3, "%.1f us"), byPhase(all, r -> r.async[2] / 1e3, "%.1f us"),
            full ? byPhase(all, r -> r.streamPerSecond, "%,.0f") : "-",
            full ? byPhase(all, r -> r.cpuNanosPerCall / 1e3, "%.1f us") : "-",
            all.stream().filter(r -> r.phase.equals("fast")).count(),
            all.stream().filter(r -> r.phase.equals("slow")).count());
    }

    /** Unix socket over shmq, per round where both ran in {@code phase}. */
    private double[] ratios(final String phase, final ToDoubleFunction<Run> value)
    {
        final List<Run> shmq = runs.get(NettyTransport.SHMQ);
        final List<Run> uds = runs.get(NettyTransport.UDS);
        final List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < shmq.size(); i++)
        {
            if (shmq.get(i).phase.equals(phase) && uds.get(i).phase.equals(phase))
            {
                ratios.add(value.applyAsDouble(uds.get(i)) / value.applyAsDouble(shmq.get(i)));
            }
        }
        return ratios.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static String byPhase(final List<Run> all, final ToDoubleFunction<Run> value, final String format)
    {
        final StringBuilder cell = new StringBuilder();
        for (final String phase : new String[]{ "fast", "slow" })
        {
            final double[] values = all.stream().filter(r -> r.phase.equals(phase)).mapToDouble(value).toArray();
            if (cell.length() > 0)
            {
                cell.append(" / ");
            }
            cell.append(values.length == 0 ? "-" : String.format(format, median(values)));
        }
        return cell.toString();
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static long[] percentiles(final long[] samples)
    {
        final long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new long[]{ sorted[sorted.length / 2], sorted[(int)(sorted.length * 0.99)],
            sorted[(int)(sorted.length * 0.999)] };
    }

    private static void serve(final NettyTransport transport, final String name) throws Exception
    {
        final EventLoopGroup boss = transport.newGroup();
        final EventLoopGroup workers = transport.newGroup();
        final SocketAddress address = transport.address(name, 0);
        transport.removeSocketFile(address);
        final Server server = NettyServerBuilder.forAddress(address)
            .channelType(transport.serverChannel)
            .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
            .directExecutor()
            .addService(service())
            .build().start();
        final int port = transport.isTcp() ? ((InetSocketAddress)server.getListenSockets().get(0)).getPort() : 0;
        System.out.println("READY " + port);
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // Until the report closes our input.
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        transport.removeSocketFile(address);
    }

    private static ServerServiceDefinition service()
    {
        return ServerServiceDefinition.builder("shmq.bench.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, reply) ->
            {
                reply.onNext(request);
                reply.onCompleted();
            }))
            .addMethod(STREAM, ServerCalls.asyncServerStreamingCall((request, reply) ->
            {
                final ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>)reply;
                final long count = ByteBuffer.wrap(request).getLong();
                final long[] next = { 0 };
                out.setOnReadyHandler(() ->
                {
                    while (out.isReady() && !out.isCancelled() && next[0] < count)
                    {
                        out.onNext(ByteBuffer.allocate(16).putLong(next[0]++).array());
                    }
                    if (next[0] == count)
                    {
                        next[0]++;
                        out.onCompleted();
                    }
                });
            }))
            .build();
    }

    private static MethodDescriptor<byte[], byte[]> method(final String name, final MethodDescriptor.MethodType type)
    {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(type)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("shmq.bench.Echo", name))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    }

    /**
     * One transport in one round.
     */
    private static final class Run
    {
        String phase;
        long[] blocking;
        long[] async;
        double streamPerSecond;
        double cpuNanosPerCall;
    }
}
