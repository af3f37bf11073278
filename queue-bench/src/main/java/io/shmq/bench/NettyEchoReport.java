package io.shmq.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.shmq.bench.harness.FutexWakeFloor;
import io.shmq.bench.harness.JavaCommand;
import io.shmq.bench.harness.ReportOptions;
import io.shmq.process.ProcessIdentity;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Netty echo across two JVMs over shmq, Netty's epoll Unix domain socket and NIO TCP loopback, one event loop
 * thread per side: round trip of 64 B and 4 KiB messages written from the client's event loop, the same with a
 * caller thread handing each message to the loop (as blocking clients do), the same after a pause (both loops
 * asleep), the time from a write to a sleeping server's handler (written by a caller thread, or by the client's own
 * loop), throughput with 64 messages in flight, and the CPU both processes spend per message; and, once a round,
 * the floor of any wake-up here: a bare futex wake between two JVMs ({@link FutexWakeFloor}). Interleaved rounds;
 * the machine's phase is probed before each run and medians are kept per phase.
 *
 * <p>Run: {@code ./run-bench.sh --netty [--quick] [--pinned]}.
 */
public final class NettyEchoReport
{
    private static final int[] SIZES = { 64, 4096 };
    private static final int IN_FLIGHT = 64;
    private static final long CLOCK_TICK_NANOS = 10_000_000L;
    private static final long SLEEP_MILLIS = 2;

    private final int roundTrips;
    private final int sleepingRoundTrips;
    private final int messages;
    private final int rounds;
    private final Map<NettyTransport, Map<String, List<Run>>> runs = new EnumMap<>(NettyTransport.class);
    private final List<Run> floors = new ArrayList<>();
    private static final List<NettyTransport> TRANSPORTS =
        List.of(NettyTransport.SHMQ, NettyTransport.UDS, NettyTransport.TCP_NIO);

    private final ReportOptions placement;

    private NettyEchoReport(final ReportOptions placement)
    {
        this.placement = placement;
        final boolean quick = placement.quick();
        roundTrips = quick ? 20_000 : 100_000;
        sleepingRoundTrips = quick ? 400 : 2_000;
        messages = quick ? 200_000 : 1_000_000;
        rounds = quick ? 1 : 3;
    }

    /**
     * Runs the report, or (with {@code --child}) an echo server.
     *
     * @param args {@code [--quick] [--pinned]} (pinned: this JVM, the client, on CPU 0, each server on CPU 1), or
     *             {@code --child TRANSPORT NAME MODE}.
     * @throws Exception when a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length == 4 && "--child".equals(args[0]))
        {
            serve(NettyTransport.valueOf(args[1]), args[2], "stamp".equals(args[3]));
            return;
        }
        final ReportOptions options = ReportOptions.parse("NettyEchoReport", args);
        new NettyEchoReport(options).run();
    }

    private void run() throws Exception
    {
        System.out.printf("# Netty echo over shmq, a Unix socket and TCP (%s, %d cores, Java %s, %s)%n%n",
            Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            placement.placement());
        placement.placeClient();
        final List<NettyTransport> order = new ArrayList<>(TRANSPORTS);
        for (int round = 0; round < rounds; round++)
        {
            for (final NettyTransport transport : order)
            {
                measure(transport, round);
            }
            final Run floor = new Run();
            floor.phase = placement.probePhase();
            floor.wakeToHandler = FutexWakeFloor.measure(sleepingRoundTrips, SLEEP_MILLIS, placement.serverCpu());
            floors.add(floor);
            System.out.printf("round %d bare futex wake-up %s: p50 %.1f us, p99 %.1f us%n", round + 1, floor.phase,
                floor.wakeToHandler[0] / 1e3, floor.wakeToHandler[1] / 1e3);
            Collections.reverse(order);
        }
        print();
    }

    private void measure(final NettyTransport transport, final int round) throws Exception
    {
        final String name = "netty-echo-" + ProcessHandle.current().pid() + "-" + round;
        final Process server = startServer(transport, name, false);
        final EventLoopGroup group = transport.newGroup();
        try
        {
            final SocketAddress address = transport.address(name, awaitReady(transport, server));
            for (final int size : SIZES)
            {
                final Run run = new Run();
                run.phase = placement.probePhase();
                run.loopRoundTrips = loopRoundTrips(transport, group, address, size);
                if (size == SIZES[0])
                {
                    run.handoffRoundTrips = handoffRoundTrips(transport, group, address, size, roundTrips / 4, 0);
                    run.sleepingRoundTrips = handoffRoundTrips(transport, group, address, size, sleepingRoundTrips,
                        TimeUnit.MILLISECONDS.toNanos(SLEEP_MILLIS));
                }
                final long clientTicks = ProcessIdentity.cpuTicks(ProcessHandle.current().pid());
                final long serverTicks = ProcessIdentity.cpuTicks(server.pid());
                run.perSecond = throughput(transport, group, address, size);
                run.cpuNanosPerMessage = ((ProcessIdentity.cpuTicks(ProcessHandle.current().pid()) - clientTicks) +
                    (ProcessIdentity.cpuTicks(server.pid()) - serverTicks)) * (double)CLOCK_TICK_NANOS / messages;
                runs.computeIfAbsent(transport, t -> new HashMap<>())
                    .computeIfAbsent(size + "", s -> new ArrayList<>()).add(run);
                System.out.printf("round %d %-5s %5d B %s: loop RTT p50 %.2f us, msgs/s %,.0f%n", round + 1,
                    transport, size, run.phase, run.loopRoundTrips[0] / 1e3, run.perSecond);
            }
        }
        finally
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            stopServer(server);
        }
        final Run first = runs.get(transport).get(SIZES[0] + "").get(round);
        first.wakeToHandler = wakeToHandler(transport, name + "-w");
    }

    /** p50 and p99 of round trips written from the client's event loop, in ns. */
    private long[] loopRoundTrips(
        final NettyTransport transport, final EventLoopGroup group, final SocketAddress address, final int size)
        throws Exception
    {
        final long[] samples = new long[roundTrips];
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Channel channel = transport.connect(group, address, new ChannelInboundHandlerAdapter()
        {
            private int index = -roundTrips / 4;
            private int received;
            private long start;

            @Override
            public void channelActive(final ChannelHandlerContext ctx)
            {
                send(ctx);
            }

            private void send(final ChannelHandlerContext ctx)
            {
                start = System.nanoTime();
                ctx.writeAndFlush(ctx.alloc().directBuffer(size).writeZero(size));
            }

            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                received += ((ByteBuf)msg).readableBytes();
                ((ByteBuf)msg).release();
                if (received < size)
                {
                    return;
                }
                received -= size;
                final long elapsed = System.nanoTime() - start;
                if (index >= 0)
                {
                    samples[index] = elapsed;
                }
                if (++index == roundTrips)
                {
                    done.complete(null);
                    return;
                }
                send(ctx);
            }
        });
        try
        {
            done.get(120, TimeUnit.SECONDS);
        }
        finally
        {
            channel.close().sync();
        }
        return percentiles(samples);
    }

    /**
     * p50 and p99 of round trips sent by another thread and handed back to it, in ns; with a pause before each,
     * longer than the loops spin, every round trip starts with both loops asleep.
     */
    private long[] handoffRoundTrips(
        final NettyTransport transport, final EventLoopGroup group, final SocketAddress address, final int size,
        final int count, final long pauseNanos)
        throws Exception
    {
        final LinkedBlockingQueue<Long> echoed = new LinkedBlockingQueue<>();
        final Channel channel = transport.connect(group, address, new ChannelInboundHandlerAdapter()
        {
            private int received;

            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                received += ((ByteBuf)msg).readableBytes();
                ((ByteBuf)msg).release();
                if (received >= size)
                {
                    received -= size;
                    echoed.add(System.nanoTime());
                }
            }
        });
        final long[] samples = new long[count];
        try
        {
            for (int i = -count / 4; i < count; i++)
            {
                if (pauseNanos > 0)
                {
                    Thread.sleep(pauseNanos / 1_000_000, (int)(pauseNanos % 1_000_000));
                }
                final long start = System.nanoTime();
                channel.writeAndFlush(channel.alloc().directBuffer(size).writeZero(size));
                final Long end = echoed.poll(10, TimeUnit.SECONDS);
                if (end == null)
                {
                    throw new IllegalStateException(transport + ": no echo within 10 s");
                }
                if (i >= 0)
                {
                    samples[i] = end - start;
                }
            }
        }
        finally
        {
            channel.close().sync();
        }
        return percentiles(samples);
    }

    /** Messages per second with {@link #IN_FLIGHT} in flight. */
    private double throughput(
        final NettyTransport transport, final EventLoopGroup group, final SocketAddress address, final int size)
        throws Exception
    {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final Channel channel = transport.connect(group, address, new ChannelInboundHandlerAdapter()
        {
            private long received;
            private long sent;
            private long start;

            @Override
            public void channelActive(final ChannelHandlerContext ctx)
            {
                start = System.nanoTime();
                for (int i = 0; i < IN_FLIGHT; i++)
                {
                    ctx.write(ctx.alloc().directBuffer(size).writeZero(size));
                }
                sent = IN_FLIGHT;
                ctx.flush();
            }

            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
            {
                received += ((ByteBuf)msg).readableBytes();
                ((ByteBuf)msg).release();
                while (sent < messages && sent - received / size < IN_FLIGHT)
                {
                    ctx.write(ctx.alloc().directBuffer(size).writeZero(size));
                    sent++;
                }
                if (received >= (long)messages * size)
                {
                    done.complete(System.nanoTime() - start);
                }
            }

            @Override
            public void channelReadComplete(final ChannelHandlerContext ctx)
            {
                ctx.flush();
            }
        });
        try
        {
            return messages / (done.get(300, TimeUnit.SECONDS) / 1e9);
        }
        finally
        {
            channel.close().sync();
        }
    }

    private void print()
    {
        System.out.printf("%n| transport | size | loop RTT p50 | p99 | hand-off RTT p50 | p99 | from sleep p50 | p99 " +
            "| caller's write to sleeping handler p50 | p99 | loop's write to sleeping handler p50 | p99 " +
            "| msgs/s, %d in flight | CPU per message, both sides " +
            "| runs (fast/slow) |%n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|%n", IN_FLIGHT);
        for (final NettyTransport transport : TRANSPORTS)
        {
            for (final int size : SIZES)
            {
                final List<Run> all = runs.get(transport).get(size + "");
                System.out.printf("| %s | %d B | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |%n",
                    transport.label, size,
                    byPhase(all, r -> r.loopRoundTrips[0] / 1e3, "%.2f us"),
                    byPhase(all, r -> r.loopRoundTrips[1] / 1e3, "%.2f us"),
                    size == SIZES[0] ? byPhase(all, r -> r.handoffRoundTrips[0] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.handoffRoundTrips[1] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.sleepingRoundTrips[0] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.sleepingRoundTrips[1] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.wakeToHandler[0] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.wakeToHandler[1] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.wakeToHandler[2] / 1e3, "%.1f us") : "-",
                    size == SIZES[0] ? byPhase(all, r -> r.wakeToHandler[3] / 1e3, "%.1f us") : "-",
                    byPhase(all, r -> r.perSecond, "%,.0f"),
                    byPhase(all, r -> r.cpuNanosPerMessage / 1e3, "%.2f us"),
                    all.stream().filter(r -> r.phase.equals("fast")).count(),
                    all.stream().filter(r -> r.phase.equals("slow")).count());
            }
        }
        System.out.printf("%n| no transport: a bare futex wake-up between two JVMs, after %d ms of sleep | p50 | p99 " +
            "| runs (fast/slow) |%n|---|---|---|---|%n| %s | %s | %s | %d/%d |%n", SLEEP_MILLIS,
            "the floor of a wake-up",
            byPhase(floors, r -> r.wakeToHandler[0] / 1e3, "%.1f us"),
            byPhase(floors, r -> r.wakeToHandler[1] / 1e3, "%.1f us"),
            floors.stream().filter(r -> r.phase.equals("fast")).count(),
            floors.stream().filter(r -> r.phase.equals("slow")).count());
        System.out.println("\n(each cell: median of the runs made in the fast phase / in the slow phase)");
    }

    private static String byPhase(final List<Run> all, final ToDoubleFunction<Run> value,
        final String format)
    {
        final StringBuilder cell = new StringBuilder();
        for (final String phase : new String[]{ "fast", "slow" })
        {
            final double[] values = all.stream().filter(r -> r.phase.equals(phase)).mapToDouble(value).toArray();
            if (cell.length() > 0)
            {
                cell.append(" / ");
            }
            if (values.length == 0)
            {
                cell.append('-');
            }
            else
            {
                Arrays.sort(values);
                cell.append(String.format(format, values[values.length / 2]));
            }
        }
        return cell.toString();
    }

    private static long[] percentiles(final long[] samples)
    {
        final long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new long[]{ sorted[sorted.length / 2], sorted[(int)(sorted.length * 0.99)] };
    }

    private Process startServer(final NettyTransport transport, final String name, final boolean stamp)
        throws Exception
    {
        final List<String> command = JavaCommand.of(List.of(), NettyEchoReport.class, "--child", transport.name(),
            name, stamp ? "stamp" : "echo");
        return new ProcessBuilder(placement.serverCommand(command))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int awaitReady(final NettyTransport transport, final Process server) throws Exception
    {
        final BufferedReader out =
            new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        final String ready = out.readLine();
        if (ready == null || !ready.startsWith("READY "))
        {
            throw new IllegalStateException(transport + " echo server did not start: " + ready);
        }
        return Integer.parseInt(ready.substring(6).trim());
    }

    private static void stopServer(final Process server) throws Exception
    {
        server.getOutputStream().close();
        if (!server.waitFor(10, TimeUnit.SECONDS))
        {
            server.destroyForcibly();
        }
    }

    /**
     * Wake-ups of a sleeping server, each in ns as p50 and p99 from a write to the server's handler receiving it
     * (the server answers each message with its {@link System#nanoTime()} at receipt, which on Linux reads the
     * same clock in every process): {@code [0..1]} a caller thread writes while both event loops sleep, so its
     * loop wakes and then the server's; {@code [2..3]} the client's loop writes (from a task it scheduled) while
     * the server's loop sleeps: one wake-up. Both after warming the server's code up.
     */
    private long[] wakeToHandler(final NettyTransport transport, final String name) throws Exception
    {
        final Process server = startServer(transport, name, true);
        final EventLoopGroup group = transport.newGroup();
        try
        {
            final SocketAddress address = transport.address(name, awaitReady(transport, server));
            final LinkedBlockingQueue<Long> stamps = new LinkedBlockingQueue<>();
            final Channel channel = transport.connect(group, address, new ChannelInboundHandlerAdapter()
            {
                private final ByteBuf partial = Unpooled.buffer(8);

                @Override
                public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                {
                    final ByteBuf buffer = (ByteBuf)msg;
                    while (buffer.isReadable())
                    {
                        partial.writeByte(buffer.readByte());
                        if (partial.readableBytes() == Long.BYTES)
                        {
                            stamps.add(partial.readLong());
                            partial.clear();
                        }
                    }
                    buffer.release();
                }
            });
            try
            {
                for (int i = 0; i < roundTrips / 4; i++)
                {
                    channel.writeAndFlush(channel.alloc().directBuffer(SIZES[0]).writeZero(SIZES[0]));
                    awaitStamp(transport, stamps);
                }
                final long[] fromCaller = new long[sleepingRoundTrips];
                final long[] fromLoop = new long[sleepingRoundTrips];
                final long[] written = new long[1];
                for (int i = -sleepingRoundTrips / 4; i < sleepingRoundTrips; i++)
                {
                    Thread.sleep(SLEEP_MILLIS);
                    final long start = System.nanoTime();
                    channel.writeAndFlush(channel.alloc().directBuffer(SIZES[0]).writeZero(SIZES[0]));
                    final long received = awaitStamp(transport, stamps);
                    channel.eventLoop().schedule(() ->
                    {
                        written[0] = System.nanoTime();
                        channel.writeAndFlush(channel.alloc().directBuffer(SIZES[0]).writeZero(SIZES[0]));
                    }, SLEEP_MILLIS, TimeUnit.MILLISECONDS);
                    // The queue's hand-over orders the loop's store of written[0] before the stamp's take.
                    final long receivedFromLoop = awaitStamp(transport, stamps);
                    if (i >= 0)
                    {
                        fromCaller[i] = received - start;
                        fromLoop[i] = receivedFromLoop - written[0];
                    }
                }
                final long[] caller = percentiles(fromCaller);
                final long[] loop = percentiles(fromLoop);
                return new long[]{ caller[0], caller[1], loop[0], loop[1] };
            }
            finally
            {
                channel.close().sync();
            }
        }
        finally
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            stopServer(server);
        }
    }

    private static long awaitStamp(final NettyTransport transport, final LinkedBlockingQueue<Long> stamps)
        throws InterruptedException
    {
        final Long received = stamps.poll(10, TimeUnit.SECONDS);
        if (received == null)
        {
            throw new IllegalStateException(transport + ": no stamp within 10 s");
        }
        return received;
    }

    private static void serve(final NettyTransport transport, final String name, final boolean stamp) throws Exception
    {
        final EventLoopGroup boss = transport.newGroup();
        final EventLoopGroup workers = transport.newGroup();
        final SocketAddress address = transport.address(name, 0);
        transport.removeSocketFile(address);
        final ServerBootstrap bootstrap = new ServerBootstrap().group(boss, workers).channel(transport.serverChannel)
            .childHandler(stamp ? new Stamp() : new Echo());
        if (transport.isTcp())
        {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
        }
        final Channel server = bootstrap.bind(address).sync().channel();
        final int port = transport.isTcp() ? ((InetSocketAddress)server.localAddress()).getPort() : 0;
        System.out.println("READY " + port);
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // Until the report closes our input.
        }
        server.close().sync();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        transport.removeSocketFile(address);
    }

    /**
     * Writes back what it reads.
     */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx)
        {
            ctx.flush();
        }
    }

    /**
     * Answers every 64 bytes it reads with 8: the time it read them.
     */
    @ChannelHandler.Sharable
    private static final class Stamp extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final long now = System.nanoTime();
            final ByteBuf buffer = (ByteBuf)msg;
            final int messages = buffer.readableBytes() / SIZES[0];
            buffer.release();
            for (int i = 0; i < messages; i++)
            {
                ctx.write(ctx.alloc().directBuffer(Long.BYTES).writeLong(now));
            }
            ctx.flush();
        }
    }

    /**
     * One transport and size in one round.
     */
    private static final class Run
    {
        String phase;
        long[] loopRoundTrips;
        long[] handoffRoundTrips;
        long[] sleepingRoundTrips;
        long[] wakeToHandler;
        double perSecond;
        double cpuNanosPerMessage;
    }
}
