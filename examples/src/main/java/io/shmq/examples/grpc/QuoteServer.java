package io.shmq.examples.grpc;

import io.grpc.Server;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC demo's sidecar: serves {@link QuoteApi} over every {@link GrpcTransport} at once, prints
 * {@code READY <tcp port>}, answers {@code cpu} on its standard input with its process CPU time, and stops at
 * {@code quit} or the end of its input (removing its socket file; the shmq server removes its queue).
 */
public final class QuoteServer
{
    private QuoteServer()
    {
    }

    /**
     * Runs the server.
     *
     * @param args the run's name.
     */
    public static void main(final String[] args) throws IOException, InterruptedException
    {
        if (args.length != 1)
        {
            System.err.println("usage: QuoteServer NAME   (started by GrpcQuoteDemo)");
            System.exit(64);
        }
        final String name = args[0];
        QuoteApi.quietExpectedWarnings();
        final ScheduledExecutorService timer = QuoteApi.newTimer();
        final Map<GrpcTransport, Server> servers = new EnumMap<>(GrpcTransport.class);
        final List<EventLoopGroup> groups = new ArrayList<>();
        int tcpPort = 0;
        for (final GrpcTransport transport : GrpcTransport.values())
        {
            final EventLoopGroup boss = transport.newGroup();
            final EventLoopGroup workers = transport.newGroup();
            groups.add(boss);
            groups.add(workers);
            if (transport == GrpcTransport.UDS)
            {
                Files.deleteIfExists(Path.of(((DomainSocketAddress)transport.address(name, 0)).path()));
            }
            final Server server = transport.server(transport.address(name, 0), boss, workers)
                .addService(QuoteApi.service(timer)).build().start();
            servers.put(transport, server);
            if (transport == GrpcTransport.TCP)
            {
                tcpPort = ((InetSocketAddress)server.getListenSockets().get(0)).getPort();
            }
        }
        System.out.println("READY " + tcpPort);
        System.out.flush();

        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = commands.readLine()) != null && !command.equals("quit"))
        {
            if (command.equals("cpu"))
            {
                System.out.println("CPU " + processCpuNanos());
                System.out.flush();
            }
        }
        for (final Server server : servers.values())
        {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (final EventLoopGroup group : groups)
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(Path.of(((DomainSocketAddress)GrpcTransport.UDS.address(name, 0)).path()));
        timer.shutdownNow();
    }

    /**
     * This process's CPU time (all threads).
     *
     * @return nanoseconds.
     */
    static long processCpuNanos()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }
}
