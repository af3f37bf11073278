package io.shmq.netty;

import io.netty.channel.AbstractServerChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelListener;
import io.shmq.errors.QueueOwnershipException;
import io.shmq.ring.RingConsumer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;

import java.net.BindException;
import java.net.SocketAddress;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Netty server channel that takes shmq connections on a {@link ShmqAddress}, like a listening Unix socket:
 * binding creates the address's accept queue (an MPSC ring that clients put connection requests into), and each
 * request becomes a connection with its own two rings and its own child {@link ShmqChannel}. Register it with an
 * event loop of {@link ShmqIoHandler}, and its children too.
 *
 * <pre>{@code
 * EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
 * EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ShmqIoHandler.newFactory());
 * new ServerBootstrap().group(boss, workers).channel(ShmqServerChannel.class)
 *     .childHandler(initializer).bind(new ShmqAddress("quotes")).sync();
 * }</pre>
 *
 * <p>Binding an address a live server holds fails with a {@link BindException}; one a dead server left is taken
 * over. Closing removes the accept queue; connections already accepted go on until they close.
 */
public final class ShmqServerChannel extends AbstractServerChannel
{
    /** The accept queue's capacity: room for over 500 requests (24 bytes each in a 128-byte slot) at once. */
    static final int ACCEPT_QUEUE_CAPACITY = 64 * 1024;
    /** How long a requested connection may take to send its HELLO before the server gives it up. */
    static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final InternalLogger LOGGER = InternalLoggerFactory.getInstance(ShmqServerChannel.class);
    private static final int OPEN = 0;
    private static final int BOUND = 1;
    private static final int CLOSED = 2;

    private final ChannelConfig config = new DefaultChannelConfig(this);
    private final List<PendingConnection> pending = new ArrayList<>();
    private final MessageHandler onRequest = this::onConnectRequest;
    private volatile int state;
    private volatile ShmqAddress localAddress;
    private ShmQueue acceptQueue;
    private RingConsumer requests;
    /** The wait set of the loop's sleeps: withdrawn from before a ring is unmapped. */
    private ShmqWaitSet waits;
    private final LoopRegistration registration = new LoopRegistration();
    private boolean readPending;

    /**
     * A server channel, not yet bound (Netty's bootstraps create it by reflection).
     */
    public ShmqServerChannel()
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelConfig config()
    {
        return config;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isOpen()
    {
        return state != CLOSED;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isActive()
    {
        return state == BOUND;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ShmqAddress localAddress()
    {
        return (ShmqAddress)super.localAddress();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected AbstractUnsafe newUnsafe()
    {
        return new ServerUnsafe();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected boolean isCompatible(final EventLoop loop)
    {
        return LoopRegistration.isCompatible(loop, ServerUnsafe.class);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected SocketAddress localAddress0()
    {
        return localAddress;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doRegister(final ChannelPromise promise)
    {
        registration.register(eventLoop(), (ServerUnsafe)unsafe(), promise);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doDeregister()
    {
        registration.cancel();
        // The set belongs to this loop: registered with another, the channel must not touch it from there.
        waits = null;
    }

    /**
     * Creates the address's accept queue (or takes over one a dead server left).
     *
     * @param address a {@link ShmqAddress}.
     * @throws BindException when a live server is bound to the address.
     */
    @Override
    protected void doBind(final SocketAddress address) throws Exception
    {
        if (!(address instanceof ShmqAddress))
        {
            throw new UnsupportedAddressTypeException();
        }
        final ShmqAddress shmqAddress = (ShmqAddress)address;
        final ShmQueue queue = ShmQueue.createOrOpen(shmqAddress.acceptQueueName(), acceptQueueConfig(shmqAddress));
        try
        {
            requests = queue.consumer();
        }
        catch (final QueueOwnershipException taken)
        {
            queue.close();
            final BindException ex = new BindException("address already in use: a live shmq server is bound to " +
                shmqAddress + " (" + taken.getMessage() + ")");
            ex.initCause(taken);
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw ex;
        }
        acceptQueue = queue;
        localAddress = shmqAddress;
        state = BOUND;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doClose()
    {
        if (state == CLOSED)
        {
            return;
        }
        final boolean wasBound = state == BOUND;
        state = CLOSED;
        withdrawWaits();
        for (final PendingConnection connection : pending)
        {
            connection.listener.close();
        }
        pending.clear();
        if (wasBound)
        {
            requests.close();
            acceptQueue.close();
            ShmQueue.delete(acceptQueue.name(), localAddress.directory());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doBeginRead()
    {
        if (state == BOUND)
        {
            readPending = true;
        }
    }

    private int processIo()
    {
        if (state != BOUND)
        {
            return 0;
        }
        int work = requests.read(onRequest, 16);
        if (pending.isEmpty() || !readPending)
        {
            return work;
        }
        int accepted = 0;
        final long now = System.nanoTime();
        for (int i = pending.size() - 1; i >= 0; i--)
        {
            final PendingConnection connection = pending.get(i);
            final Channel link;
            try
            {
                link = connection.listener.tryAccept();
            }
            catch (final RuntimeException ex)
            {
                LOGGER.warn("{}: dropping connection {}: {}", this, connection.address, ex.getMessage());
                pending.remove(i);
                withdrawWaits();
                connection.listener.close();
                continue;
            }
            if (link != null)
            {
                pending.remove(i);
                accepted++;
                pipeline().fireChannelRead(
                    new ShmqChannel(this, connection.listener, link, connection.address, localAddress));
            }
            else if (now - connection.deadline >= 0)
            {
                LOGGER.debug("{}: connection {} never said HELLO; giving it up", this, connection.address);
                pending.remove(i);
                withdrawWaits();
                connection.listener.close();
            }
        }
        if (accepted > 0)
        {
            readPending = false;
            pipeline().fireChannelReadComplete();
        }
        return work + accepted;
    }

    private void onConnectRequest(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        if (!ConnectRequest.isValid(msgTypeId, buffer, index, length))
        {
            LOGGER.warn("{}: ignoring a malformed connection request (type {}, {} bytes)", this, msgTypeId, length);
            return;
        }
        final long connectionId = ConnectRequest.connectionId(buffer, index);
        final int capacity = ConnectRequest.ringCapacity(buffer, index);
        final ShmqAddress address = localAddress.connectionAddress(connectionId);
        try
        {
            ShmqChannelConfig.checkRingCapacity(capacity);
            final ChannelListener listener =
                ChannelListener.listen(address.name(), ShmqChannel.ringsOf(address, capacity));
            pending.add(new PendingConnection(listener, address, System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS));
        }
        catch (final RuntimeException ex)
        {
            LOGGER.warn("{}: cannot make connection {}: {}", this, address, ex.getMessage());
        }
    }

    static QueueConfig acceptQueueConfig(final ShmqAddress address)
    {
        return QueueConfig.mpsc(ACCEPT_QUEUE_CAPACITY).withDirectory(address.directory());
    }

    private void withdrawWaits()
    {
        // The loop may be announced on the doorbells of the rings about to be unmapped (this runs as its re-check).
        if (waits != null)
        {
            waits.withdrawAll();
        }
    }

    private boolean prepareToWait(final ShmqWaitSet waits)
    {
        this.waits = waits;
        if (state != BOUND)
        {
            return false;
        }
        waits.announce(requests.messageDoorbell());
        boolean ready = requests.prepareToWait();
        if (readPending)
        {
            final long now = System.nanoTime();
            for (final PendingConnection connection : pending)
            {
                waits.announce(connection.listener.messageDoorbell());
                waits.bound(connection.deadline - now);
                ready |= connection.listener.prepareToWait();
            }
        }
        return ready;
    }

    private static final class PendingConnection
    {
        final ChannelListener listener;
        final ShmqAddress address;
        final long deadline;

        PendingConnection(final ChannelListener listener, final ShmqAddress address, final long deadline)
        {
            this.listener = listener;
            this.address = address;
            this.deadline = deadline;
        }
    }

    private final class ServerUnsafe extends AbstractUnsafe implements ShmqIoHandle
    {
        @Override
        public void connect(final SocketAddress remote, final SocketAddress local, final ChannelPromise promise)
        {
            safeSetFailure(promise, new UnsupportedOperationException("a server channel does not connect"));
        }

        @Override
        public int processIo()
        {
            return ShmqServerChannel.this.processIo();
        }

        @Override
        public boolean prepareToWait(final ShmqWaitSet waits)
        {
            return ShmqServerChannel.this.prepareToWait(waits);
        }

        @Override
        public void closeNow()
        {
            close(voidPromise());
        }

        @Override
        public void close()
        {
            close(voidPromise());
        }
    }
}
