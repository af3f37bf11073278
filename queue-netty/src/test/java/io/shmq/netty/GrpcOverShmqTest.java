package io.shmq.netty;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.shmq.netty.support.LeakCheck;
import io.shmq.support.ShmDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * grpc-java's Netty transport over shmq channels: unary and server-streaming calls, a deadline that expires, a
 * stream cancelled by the client (the server hears of it), and a large message crossing many ring records.
 */
class GrpcOverShmqTest
{
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
    private static final MethodDescriptor<byte[], byte[]> PRICE = method("Price", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> TICKS =
        method("Ticks", MethodDescriptor.MethodType.SERVER_STREAMING);
    private static final MethodDescriptor<byte[], byte[]> NEVER = method("Never", MethodDescriptor.MethodType.UNARY);

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    @RegisterExtension
    final LeakCheck leaks = new LeakCheck();

    private final CountDownLatch streamCancelled = new CountDownLatch(1);
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private EventLoopGroup clients;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException
    {
        boss = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        clients = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
        final ShmqAddress address = new ShmqAddress(shm.path(), "quotes");
        server = NettyServerBuilder.forAddress(address)
            .channelType(ShmqServerChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .addService(service())
            .build()
            .start();
        channel = NettyChannelBuilder.forAddress(address)
            .channelType(ShmqChannel.class, ShmqAddress.class)
            .eventLoopGroup(clients)
            .usePlaintext()
            .build();
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @Test
    void unaryCallsAnswerEachRequest()
    {
        for (long sku = 1; sku <= 1_000; sku++)
        {
            final byte[] answer = ClientCalls.blockingUnaryCall(channel, PRICE, CallOptions.DEFAULT, longBytes(sku));
            assertEquals(sku * 100, ByteBuffer.wrap(answer).getLong());
        }
    }

    @Test
    void serverStreamingDeliversEveryMessageInOrder()
    {
        final Iterator<byte[]> ticks =
            ClientCalls.blockingServerStreamingCall(channel, TICKS, CallOptions.DEFAULT, longBytes(10_000));
        long expected = 0;
        while (ticks.hasNext())
        {
            assertEquals(expected++, ByteBuffer.wrap(ticks.next()).getLong());
        }
        assertEquals(10_000, expected);
    }

    @Test
    void aLargeMessageCrossesManyRecords()
    {
        // 3 MiB each way, through 1 MiB rings whose records hold at most 128 KiB.
        final byte[] big = new byte[3 << 20];
        new Random(3).nextBytes(big);
        final MethodDescriptor<byte[], byte[]> echo = method("Price", MethodDescriptor.MethodType.UNARY);
        final byte[] answer = ClientCalls.blockingUnaryCall(channel.newCall(echo,
            CallOptions.DEFAULT.withMaxInboundMessageSize(8 << 20).withMaxOutboundMessageSize(8 << 20)), big);
        assertEquals(8, answer.length);
        assertEquals(checksum(big), ByteBuffer.wrap(answer).getLong());
    }

    @Test
    void aDeadlineEndsACallTheServerNeverAnswers()
    {
        final long start = System.nanoTime();
        final StatusRuntimeException ex = assertThrows(StatusRuntimeException.class,
            () -> ClientCalls.blockingUnaryCall(channel, NEVER,
                CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS), longBytes(1)));
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, ex.getStatus().getCode());
        assertTrue(millis >= 190 && millis < 2_000, "deadline hit after " + millis + " ms");
    }

    @Test
    void cancellingAStreamReachesTheServer() throws InterruptedException
    {
        final io.grpc.ClientCall<byte[], byte[]> call = channel.newCall(TICKS, CallOptions.DEFAULT);
        final Iterator<byte[]> ticks = ClientCalls.blockingServerStreamingCall(call, longBytes(Long.MAX_VALUE));
        for (int i = 0; i < 100; i++)
        {
            assertTrue(ticks.hasNext());
            ticks.next();
        }
        call.cancel("enough", null);
        assertTrue(streamCancelled.await(5, TimeUnit.SECONDS), "the server saw the cancellation");
        assertFalse(channel.isShutdown());
        // The connection stays usable.
        final byte[] answer = ClientCalls.blockingUnaryCall(channel, PRICE, CallOptions.DEFAULT, longBytes(7));
        assertEquals(700, ByteBuffer.wrap(answer).getLong());
    }

    private ServerServiceDefinition service()
    {
        return ServerServiceDefinition.builder("shmq.test.Quotes")
            .addMethod(PRICE, ServerCalls.asyncUnaryCall((request, response) ->
            {
                final long value = request.length == 8 ? ByteBuffer.wrap(request).getLong() * 100 : checksum(request);
                response.onNext(longBytes(value));
                response.onCompleted();
            }))
            .addMethod(TICKS, ServerCalls.asyncServerStreamingCall((request, response) ->
                streamTicks(ByteBuffer.wrap(request).getLong(), (ServerCallStreamObserver<byte[]>)response)))
            .addMethod(NEVER, ServerCalls.asyncUnaryCall((request, response) ->
            {
                // Never answers: the client's deadline ends the call.
            }))
            .build();
    }

    private void streamTicks(final long count, final ServerCallStreamObserver<byte[]> response)
    {
        final long[] next = { 0 };
        response.setOnCancelHandler(streamCancelled::countDown);
        // Flow control: send while the transport is ready, resume when it is again.
        response.setOnReadyHandler(() ->
        {
            while (response.isReady() && !response.isCancelled() && next[0] < count)
            {
                response.onNext(longBytes(next[0]++));
            }
            if (next[0] == count && !response.isCancelled())
            {
                next[0]++;
                response.onCompleted();
            }
        });
    }

    private static long checksum(final byte[] bytes)
    {
        long sum = 0;
        for (final byte b : bytes)
        {
            sum = sum * 31 + b;
        }
        return sum;
    }

    private static byte[] longBytes(final long value)
    {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    private static MethodDescriptor<byte[], byte[]> method(final String name, final MethodDescriptor.MethodType type)
    {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(type)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("shmq.test.Quotes", name))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    }
}
