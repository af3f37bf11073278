package io.shmq.bench.harness;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.nativeio.SegmentPages;
import io.shmq.nativeio.SysVQueues;
import io.shmq.ring.RingConsumer;
import io.shmq.ring.RingProducer;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Opens and removes the channels of every system. Ring-based systems get the same data capacity (the spec's,
 * {@link #RING_CAPACITY} unless a sweep says otherwise); Aeron keeps its default IPC term length.
 */
final class Channels
{
    /** Data capacity of every ring (shmq, Agrona) outside the sweep. */
    static final int RING_CAPACITY = 8 << 20;

    private Channels()
    {
    }

    static QueueConfig shmqConfig(final ChannelSpec spec)
    {
        final QueueConfig config = spec.system() == BenchSystem.SHMQ_MPSC ? QueueConfig.mpsc(spec.capacity()) :
            QueueConfig.spsc(spec.capacity());
        final int alignment = Integer.getInteger("shmq.bench.alignment", QueueConfig.DEFAULT_ALIGNMENT);
        return config.withMaxMessageLength(spec.maxLength()).withRecordAlignment(alignment);
    }

    /**
     * Creates what must exist before either side attaches (run by the orchestrator).
     */
    static void prepare(final ChannelSpec spec) throws IOException
    {
        switch (spec.system())
        {
            case SHMQ_SPSC, SHMQ_MPSC, SHMQ_SPSC_FUTEX -> ShmQueue.create(spec.name(), shmqConfig(spec)).close();
            case SHMQ_SPSC_HUGE -> SysVQueues.create(spec.name(), shmqConfig(spec), SegmentPages.HUGE_2MB).close();
            case AGRONA_O2O, AGRONA_M2O, CACHE_LINE ->
            {
                final int length = spec.system() == BenchSystem.CACHE_LINE ? 4096 :
                    spec.capacity() + RingBufferDescriptor.TRAILER_LENGTH;
                IoUtil.unmap(IoUtil.mapNewFile(spec.file(".ring").toFile(), length, true));
            }
            default ->
            {
            }
        }
    }

    /**
     * Removes everything the channel left (run by the orchestrator after both sides exited).
     */
    static void cleanup(final ChannelSpec spec)
    {
        switch (spec.system())
        {
            case SHMQ_SPSC, SHMQ_MPSC, SHMQ_SPSC_FUTEX -> ShmQueue.delete(spec.name());
            case SHMQ_SPSC_HUGE -> SysVQueues.delete(spec.name());
            default ->
            {
            }
        }
        deleteRecursively(spec.file(".ring"));
        deleteRecursively(spec.file(".sock"));
        deleteRecursively(spec.file(".chronicle"));
    }

    static void deleteRecursively(final Path root)
    {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static MessageSender sender(final ChannelSpec spec, final boolean concurrent) throws Exception
    {
        return switch (spec.system())
        {
            case SHMQ_SPSC, SHMQ_MPSC, SHMQ_SPSC_FUTEX, SHMQ_SPSC_HUGE -> shmqSender(spec);
            case AGRONA_O2O, AGRONA_M2O -> agronaSender(spec);
            case AERON_IPC -> aeronSender(spec, concurrent);
            case CHRONICLE -> chronicleSender(spec);
            case UDS, TCP -> socketSender(spec);
            default -> throw new IllegalArgumentException(spec.system() + " has no sender");
        };
    }

    static MessageReceiver receiver(final ChannelSpec spec) throws Exception
    {
        return switch (spec.system())
        {
            case SHMQ_SPSC, SHMQ_MPSC, SHMQ_SPSC_FUTEX, SHMQ_SPSC_HUGE -> shmqReceiver(spec);
            case AGRONA_O2O, AGRONA_M2O -> agronaReceiver(spec);
            case AERON_IPC -> aeronReceiver(spec);
            case CHRONICLE -> chronicleReceiver(spec);
            case UDS, TCP -> socketReceiver(spec);
            default -> throw new IllegalArgumentException(spec.system() + " has no receiver");
        };
    }

    private static ShmQueue openShmq(final ChannelSpec spec)
    {
        return spec.system() == BenchSystem.SHMQ_SPSC_HUGE ? SysVQueues.open(spec.name(), shmqConfig(spec)) :
            ShmQueue.open(spec.name(), shmqConfig(spec));
    }

    private static MessageSender shmqSender(final ChannelSpec spec)
    {
        final ShmQueue queue = openShmq(spec);
        final RingProducer producer = queue.producer();
        return new MessageSender()
        {
            public boolean send(final DirectBuffer buffer, final int length)
            {
                return producer.offer(1, buffer, 0, length);
            }

            public void close()
            {
                queue.close();
            }
        };
    }

    private static MessageReceiver shmqReceiver(final ChannelSpec spec)
    {
        final ShmQueue queue = openShmq(spec);
        // The receiving loops poll without pause (and the ponger answers what it reads): release at the next poll.
        final RingConsumer consumer = queue.consumer().deferRelease(
            Boolean.parseBoolean(System.getProperty("shmq.bench.deferRelease", "true")));
        final boolean sleeps = spec.system() == BenchSystem.SHMQ_SPSC_FUTEX;
        final long sleepNanos = TimeUnit.MILLISECONDS.toNanos(100);
        return new MessageReceiver()
        {
            public int receive(final MessageHandler handler, final int limit)
            {
                return consumer.read(handler, limit);
            }

            public void idle()
            {
                if (sleeps)
                {
                    consumer.awaitMessages(sleepNanos);
                }
                else
                {
                    Thread.onSpinWait();
                }
            }

            public void close()
            {
                queue.close();
            }
        };
    }

    private static RingBuffer agronaRing(final ChannelSpec spec, final MappedByteBuffer[] mapping)
    {
        mapping[0] = IoUtil.mapExistingFile(spec.file(".ring").toFile(), "agrona ring");
        final UnsafeBuffer buffer = new UnsafeBuffer(mapping[0]);
        return spec.system() == BenchSystem.AGRONA_M2O ? new ManyToOneRingBuffer(buffer) :
            new OneToOneRingBuffer(buffer);
    }

    private static MessageSender agronaSender(final ChannelSpec spec)
    {
        final MappedByteBuffer[] mapping = new MappedByteBuffer[1];
        final RingBuffer ring = agronaRing(spec, mapping);
        return new MessageSender()
        {
            public boolean send(final DirectBuffer buffer, final int length)
            {
                return ring.write(1, buffer, 0, length);
            }

            public void close()
            {
                IoUtil.unmap(mapping[0]);
            }
        };
    }

    private static MessageReceiver agronaReceiver(final ChannelSpec spec)
    {
        final MappedByteBuffer[] mapping = new MappedByteBuffer[1];
        final RingBuffer ring = agronaRing(spec, mapping);
        return new MessageReceiver()
        {
            public int receive(final MessageHandler handler, final int limit)
            {
                return ring.read(handler, limit);
            }

            public void close()
            {
                IoUtil.unmap(mapping[0]);
            }
        };
    }

    /**
     * A stream id of its own for each channel: the channel's number in the run ({@code c<pid>-<n>}). (A hash of the
     * name forced odd gave a ping channel and its pong channel the same stream half the time: the pinger then read
     * its own pings back as echoes, below the cache-line floor, and the ponger echoed its own echoes until the
     * stream stalled.)
     */
    private static int streamId(final ChannelSpec spec)
    {
        final String name = spec.name();
        return 1_000 + Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }

    private static Aeron aeron(final ChannelSpec spec)
    {
        return Aeron.connect(new Aeron.Context().aeronDirectoryName(spec.extra()));
    }

    private static MessageSender aeronSender(final ChannelSpec spec, final boolean concurrent)
    {
        final Aeron aeron = aeron(spec);
        final Publication publication = concurrent ? aeron.addPublication("aeron:ipc", streamId(spec)) :
            aeron.addExclusivePublication("aeron:ipc", streamId(spec));
        return new MessageSender()
        {
            public boolean send(final DirectBuffer buffer, final int length)
            {
                return publication.offer(buffer, 0, length) > 0;
            }

            public void close()
            {
                publication.close();
                aeron.close();
            }
        };
    }

    private static MessageReceiver aeronReceiver(final ChannelSpec spec)
    {
        final Aeron aeron = aeron(spec);
        final Subscription subscription = aeron.addSubscription("aeron:ipc", streamId(spec));
        final MessageHandler[] target = new MessageHandler[1];
        final FragmentAssembler assembler = new FragmentAssembler(
            (buffer, offset, length, header) -> target[0].onMessage(1, (UnsafeBuffer)buffer, offset, length));
        return new MessageReceiver()
        {
            public int receive(final MessageHandler handler, final int limit)
            {
                target[0] = handler;
                return subscription.poll(assembler, limit);
            }

            public void close()
            {
                subscription.close();
                aeron.close();
            }
        };
    }

    private static ChronicleQueue chronicle(final ChannelSpec spec)
    {
        return SingleChronicleQueueBuilder.binary(spec.file(".chronicle")).build();
    }

    private static MessageSender chronicleSender(final ChannelSpec spec)
    {
        final ChronicleQueue queue = chronicle(spec);
        final ExcerptAppender appender = queue.createAppender();
        final byte[] bytes = new byte[Payload.MAX_LENGTH];
        return new MessageSender()
        {
            public boolean send(final DirectBuffer buffer, final int length)
            {
                buffer.getBytes(0, bytes, 0, length);
                try (DocumentContext dc = appender.writingDocument())
                {
                    dc.wire().bytes().write(bytes, 0, length);
                }
                return true;
            }

            public void close()
            {
                appender.close();
                queue.close();
            }
        };
    }

    private static MessageReceiver chronicleReceiver(final ChannelSpec spec)
    {
        final ChronicleQueue queue = chronicle(spec);
        final ExcerptTailer tailer = queue.createTailer();
        final byte[] bytes = new byte[Payload.MAX_LENGTH];
        final UnsafeBuffer view = new UnsafeBuffer(bytes);
        return new MessageReceiver()
        {
            public int receive(final MessageHandler handler, final int limit)
            {
                int count = 0;
                while (count < limit)
                {
                    try (DocumentContext dc = tailer.readingDocument())
                    {
                        if (!dc.isPresent())
                        {
                            break;
                        }
                        final int length = (int)dc.wire().bytes().readRemaining();
                        dc.wire().bytes().read(bytes, 0, length);
                        handler.onMessage(1, view, 0, length);
                        count++;
                    }
                }
                return count;
            }

            public void close()
            {
                tailer.close();
                queue.close();
            }
        };
    }

    private static SocketAddress address(final ChannelSpec spec)
    {
        return spec.system() == BenchSystem.UDS ? UnixDomainSocketAddress.of(spec.file(".sock")) :
            new InetSocketAddress("127.0.0.1", Integer.parseInt(spec.extra()));
    }

    private static MessageSender socketSender(final ChannelSpec spec) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        SocketChannel channel = null;
        while (channel == null)
        {
            try
            {
                channel = SocketChannel.open(address(spec));
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() > deadline)
                {
                    throw ex;
                }
                Thread.sleep(2);
            }
        }
        if (spec.system() == BenchSystem.TCP)
        {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        final SocketChannel connected = channel;
        final ByteBuffer frame = ByteBuffer.allocateDirect(Payload.MAX_LENGTH + 4).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer frameView = new UnsafeBuffer(frame);
        return new MessageSender()
        {
            public boolean send(final DirectBuffer buffer, final int length)
            {
                frameView.putInt(0, length);
                frameView.putBytes(4, buffer, 0, length);
                frame.clear().limit(length + 4);
                try
                {
                    while (frame.hasRemaining())
                    {
                        connected.write(frame);
                    }
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
                return true;
            }

            public void close() throws IOException
            {
                connected.close();
            }
        };
    }

    private static MessageReceiver socketReceiver(final ChannelSpec spec) throws IOException
    {
        final ServerSocketChannel server = spec.system() == BenchSystem.UDS ?
            ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
        server.bind(address(spec));
        server.configureBlocking(false);
        final ByteBuffer input = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer view = new UnsafeBuffer(input);
        final SocketChannel[] channel = new SocketChannel[1];
        return new MessageReceiver()
        {
            public int receive(final MessageHandler handler, final int limit)
            {
                try
                {
                    if (channel[0] == null)
                    {
                        channel[0] = server.accept();
                        if (channel[0] == null)
                        {
                            return 0;
                        }
                        channel[0].configureBlocking(false);
                        if (spec.system() == BenchSystem.TCP)
                        {
                            channel[0].setOption(StandardSocketOptions.TCP_NODELAY, true);
                        }
                    }
                    if (channel[0].read(input) <= 0 && input.position() < 4)
                    {
                        return 0;
                    }
                    int offset = 0;
                    int count = 0;
                    final int end = input.position();
                    while (count < limit && end - offset >= 4)
                    {
                        final int length = view.getInt(offset);
                        if (end - offset - 4 < length)
                        {
                            break;
                        }
                        handler.onMessage(1, view, offset + 4, length);
                        offset += 4 + length;
                        count++;
                    }
                    input.flip().position(offset);
                    input.compact();
                    return count;
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }

            public void close() throws IOException
            {
                if (channel[0] != null)
                {
                    channel[0].close();
                }
                server.close();
                Files.deleteIfExists(spec.file(".sock"));
            }
        };
    }
}
