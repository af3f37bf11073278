package io.shmq.examples.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sidecar's quote service as gRPC methods, with hand-written binary messages (a {@link MethodDescriptor} and a
 * byte-array marshaller instead of protobuf-generated classes; the transport is what this demo is about).
 *
 * <pre>
 *   Quote (unary)            request: sku (8) quantity (4)      reply: sku (8) price in cents (8)
 *   Ticks (server stream)    request: count (8)                 replies: sequence (8) price in cents (8)
 *   Delayed (unary)          request: delay in ms (8)           reply: the same 8 bytes, after the delay
 * </pre>
 */
public final class QuoteApi
{
    /** The service's name. */
    public static final String SERVICE = "shmq.examples.Quotes";
    /** Quote request length. */
    public static final int QUOTE_REQUEST_LENGTH = 12;
    /** Reply length of Quote and Ticks. */
    public static final int PRICE_LENGTH = 16;

    /** One price. */
    public static final MethodDescriptor<byte[], byte[]> QUOTE = method("Quote", MethodDescriptor.MethodType.UNARY);
    /** A stream of prices. */
    public static final MethodDescriptor<byte[], byte[]> TICKS =
        method("Ticks", MethodDescriptor.MethodType.SERVER_STREAMING);
    /** Answers after a delay the request names (to show deadlines). */
    public static final MethodDescriptor<byte[], byte[]> DELAYED =
        method("Delayed", MethodDescriptor.MethodType.UNARY);

    /** Strong references: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final List<Logger> QUIET = new CopyOnWriteArrayList<>();

    private QuoteApi()
    {
    }

    /**
     * The price of {@code quantity} units of {@code sku}, in cents: what the client checks every reply against.
     *
     * @param sku      the product.
     * @param quantity how many.
     * @return the price.
     */
    public static long price(final long sku, final int quantity)
    {
        return (sku % 10_000) * 99 + quantity * 7L;
    }

    /**
     * A Quote request.
     *
     * @param sku      the product.
     * @param quantity how many.
     * @return the encoded request.
     */
    public static byte[] quoteRequest(final long sku, final int quantity)
    {
        return ByteBuffer.allocate(QUOTE_REQUEST_LENGTH).putLong(sku).putInt(quantity).array();
    }

    /**
     * A request of one long (Ticks: the count; Delayed: the delay in ms).
     *
     * @param value the value.
     * @return the encoded request.
     */
    public static byte[] longRequest(final long value)
    {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    /**
     * The service, as a server registers it.
     *
     * @param timer runs the Delayed method's answers.
     * @return the service definition.
     */
    public static ServerServiceDefinition service(final ScheduledExecutorService timer)
    {
        return ServerServiceDefinition.builder(SERVICE)
            .addMethod(QUOTE, ServerCalls.asyncUnaryCall((request, reply) ->
            {
                if (request.length != QUOTE_REQUEST_LENGTH)
                {
                    reply.onError(Status.INVALID_ARGUMENT.withDescription("a quote request is " +
                        QUOTE_REQUEST_LENGTH + " bytes, got " + request.length).asRuntimeException());
                    return;
                }
                final ByteBuffer in = ByteBuffer.wrap(request);
                final long sku = in.getLong();
                final int quantity = in.getInt();
                reply.onNext(ByteBuffer.allocate(PRICE_LENGTH).putLong(sku).putLong(price(sku, quantity)).array());
                reply.onCompleted();
            }))
            .addMethod(TICKS, ServerCalls.asyncServerStreamingCall((request, reply) ->
                streamTicks(ByteBuffer.wrap(request).getLong(), (ServerCallStreamObserver<byte[]>)reply)))
            .addMethod(DELAYED, ServerCalls.asyncUnaryCall((request, reply) ->
                timer.schedule(() ->
                {
                    reply.onNext(request);
                    reply.onCompleted();
                }, ByteBuffer.wrap(request).getLong(), TimeUnit.MILLISECONDS)))
            .build();
    }

    /**
     * Quiets two log lines every run would print: Netty's note that a Unix socket has no {@code SO_KEEPALIVE}
     * (gRPC sets it on every transport), and gRPC's warning when the server writes to a stream the client has
     * just cancelled (the demo cancels one on purpose).
     */
    public static void quietExpectedWarnings()
    {
        QUIET.add(quiet("io.netty.bootstrap"));
        QUIET.add(quiet("io.grpc.netty.NettyServerHandler"));
    }

    private static Logger quiet(final String name)
    {
        final Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    /**
     * A timer thread for {@link #service}.
     *
     * @return a single-thread scheduler of daemon threads.
     */
    public static ScheduledExecutorService newTimer()
    {
        return Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "quote-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    private static void streamTicks(final long count, final ServerCallStreamObserver<byte[]> reply)
    {
        final long[] next = { 0 };
        // Send while the transport takes more; gRPC calls this again when it does.
        reply.setOnReadyHandler(() ->
        {
            while (reply.isReady() && !reply.isCancelled() && next[0] < count)
            {
                final long sequence = next[0]++;
                reply.onNext(ByteBuffer.allocate(PRICE_LENGTH).putLong(sequence)
                    .putLong(price(sequence, 1)).array());
            }
            if (next[0] == count && !reply.isCancelled())
            {
                next[0]++;
                reply.onCompleted();
            }
        });
        reply.setOnCancelHandler(() -> next[0] = count + 1);
    }

    private static MethodDescriptor<byte[], byte[]> method(final String name, final MethodDescriptor.MethodType type)
    {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(type)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
            .setRequestMarshaller(BytesMarshaller.INSTANCE)
            .setResponseMarshaller(BytesMarshaller.INSTANCE)
            .build();
    }

    /**
     * Messages as the bytes they are.
     */
    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]>
    {
        static final BytesMarshaller INSTANCE = new BytesMarshaller();

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
    }
}
