package io.shmq.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import io.shmq.QueueConfig;
import io.shmq.ShmQueue;
import io.shmq.channel.Channel;
import io.shmq.channel.ChannelConfig;
import io.shmq.channel.ChannelConnector;
import io.shmq.channel.ChannelListener;
import io.shmq.channel.ChannelState;
import io.shmq.errors.InvalidQueueException;
import io.shmq.layout.QueueHeader;
import io.shmq.layout.QueueHeaderDescriptor;
import io.shmq.process.OwnerState;
import io.shmq.process.ProcessIdentity;
import io.shmq.ring.SlotClaim;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Netty channel over a shmq connection: a byte stream carried by two SPSC rings in shared memory, one per
 * direction. A client connects to a {@link ShmqServerChannel}'s {@link ShmqAddress}; the server accepts each
 * connection as a child {@code ShmqChannel}. Both must be registered with an event loop of {@link ShmqIoHandler}.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmqIoHandler.newFactory());
 * Bootstrap client = new Bootstrap().group(group).channel(ShmqChannel.class).handler(initializer);
 * Channel channel = client.connect(new ShmqAddress("quotes")).sync().channel();
 * }</pre>
 *
 * <ul>
 * <li>Writes: one flush copies as many of the flushed buffers as fit into one ring record (at most the ring's
 * largest message, an eighth of its capacity by default), so many small writes cost one record, and a write
 * larger than a record is split; the peer reads the bytes in order. When the ring is full the rest waits in
 * Netty's outbound buffer (the channel turns unwritable past its high water mark) and goes out as soon as the peer
 * frees room, which wakes this channel's loop.</li>
 * <li>Reads: each record is copied once, from the ring into a buffer of the channel's allocator; consecutive
 * records share a buffer while they fit. The ring's space is released after the copy.</li>
 * <li>Closing sends the peer a close after everything written; a peer that closed, was killed or stopped
 * answering ends the channel ({@code channelInactive}; a killed or silent peer also raises an
 * {@link IOException} through {@code exceptionCaught}) within the liveness interval of shmq channels.</li>
 * <li>Half-close: {@link #shutdownOutput()} tells the peer no more bytes come; with
 * {@link io.netty.channel.ChannelOption#ALLOW_HALF_CLOSURE} the peer sees {@link ChannelInputShutdownEvent},
 * otherwise it closes.</li>
 * </ul>
 */
public final class ShmqChannel extends AbstractChannel implements DuplexChannel
{
    /** A record of stream bytes. */
    static final int DATA_MSG_TYPE_ID = 1;
    /** The peer will send no more bytes (half-close). */
    static final int SHUTDOWN_OUTPUT_MSG_TYPE_ID = 2;

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    /** Records read per turn of the loop, at most: other channels on the loop get their turn. */
    private static final int READ_LIMIT = 64;
    /** Buffers gathered into one record, at most (Netty's outbound buffer keeps that many views at hand). */
    private static final int MAX_BUFFERS_PER_RECORD = 1024;
    private static final int OPEN = 0;
    private static final int CONNECTING = 1;
    private static final int ACTIVE = 2;
    private static final int CLOSED = 3;

    private final ShmqChannelConfig config = new ShmqChannelConfig(this);
    private final ChannelListener listener;
    private final SlotClaim claim = new SlotClaim();
    private final UnsafeBuffer control = new UnsafeBuffer(new byte[ConnectRequest.LENGTH]);
    private final MessageHandler reader = this::onRecord;
    private volatile int state;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private Channel link;
    private ChannelConnector connecting;
    private ChannelPromise connectPromise;
    private Future<?> connectTimeout;
    private volatile ShmqAddress localAddress;
    private volatile ShmqAddress remoteAddress;
    private final LoopRegistration registration = new LoopRegistration();
    private boolean readPending;
    private boolean writeWaitsForRoom;
    /** The wait set of the loop's sleeps: withdrawn from before the rings are unmapped. */
    private ShmqWaitSet waits;
    private boolean peerShutdownSeen;
    private ByteBuf readBuffer;
    private RecvByteBufAllocator.ExtendedHandle readHandle;
    private int recordsRead;

    /**
     * A client channel, not yet connected (Netty's bootstraps create it by reflection).
     */
    public ShmqChannel()
    {
        super(null);
        listener = null;
    }

    /**
     * A server's side of an accepted connection.
     */
    ShmqChannel(
        final ShmqServerChannel parent,
        final ChannelListener listener,
        final Channel link,
        final ShmqAddress localAddress,
        final ShmqAddress remoteAddress)
    {
        super(parent);
        this.listener = listener;
        this.link = link;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
        this.state = ACTIVE;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ShmqServerChannel parent()
    {
        return (ShmqServerChannel)super.parent();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ShmqChannelConfig config()
    {
        return config;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelMetadata metadata()
    {
        return METADATA;
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
        return state == ACTIVE;
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
    public ShmqAddress remoteAddress()
    {
        return (ShmqAddress)super.remoteAddress();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isInputShutdown()
    {
        return inputShutdown || !isActive();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isOutputShutdown()
    {
        return outputShutdown || !isActive();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isShutdown()
    {
        return (inputShutdown && outputShutdown) || !isActive();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelFuture shutdownOutput()
    {
        return shutdownOutput(newPromise());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelFuture shutdownOutput(final ChannelPromise promise)
    {
        final EventLoop loop = eventLoop();
        if (loop.inEventLoop())
        {
            ((AbstractUnsafe)unsafe()).shutdownOutput(promise);
        }
        else
        {
            loop.execute(() -> ((AbstractUnsafe)unsafe()).shutdownOutput(promise));
        }
        return promise;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelFuture shutdownInput()
    {
        return shutdownInput(newPromise());
    }

    /**
     * Stops reading: what the peer sends from now on is discarded (its ring keeps draining, so the peer is never
     * held back).
     *
     * @param promise completed once input is shut down.
     * @return the promise.
     */
    @Override
    public ChannelFuture shutdownInput(final ChannelPromise promise)
    {
        final EventLoop loop = eventLoop();
        if (loop.inEventLoop())
        {
            inputShutdown = true;
            promise.setSuccess();
        }
        else
        {
            loop.execute(() -> shutdownInput(promise));
        }
        return promise;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelFuture shutdown()
    {
        return shutdown(newPromise());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public ChannelFuture shutdown(final ChannelPromise promise)
    {
        final ChannelFuture output = shutdownOutput();
        output.addListener((ChannelFutureListener)done ->
        {
            if (!done.isSuccess())
            {
                promise.tryFailure(done.cause());
                return;
            }
            shutdownInput(promise);
        });
        return promise;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected AbstractUnsafe newUnsafe()
    {
        return new ShmqUnsafe();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected boolean isCompatible(final EventLoop loop)
    {
        return LoopRegistration.isCompatible(loop, ShmqUnsafe.class);
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
    protected SocketAddress remoteAddress0()
    {
        return remoteAddress;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doRegister(final ChannelPromise promise)
    {
        registration.register(eventLoop(), (ShmqUnsafe)unsafe(), promise);
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
     * A client's local address is its connection's name; binding one is not supported.
     *
     * @param localAddress ignored.
     */
    @Override
    protected void doBind(final SocketAddress localAddress)
    {
        throw new UnsupportedOperationException("a shmq client channel cannot bind: connect it to the server's " +
            "ShmqAddress; its local address is its connection's name");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doDisconnect()
    {
        doClose();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doClose()
    {
        final int was = state;
        state = CLOSED;
        if (waits != null)
        {
            // The loop may be announced on this channel's doorbells (a close from the re-check before a sleep).
            waits.withdrawAll();
        }
        if (readBuffer != null)
        {
            readBuffer.release();
            readBuffer = null;
        }
        if (connectTimeout != null)
        {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
        final ChannelPromise promise = connectPromise;
        if (promise != null)
        {
            connectPromise = null;
            promise.tryFailure(new ClosedChannelException());
        }
        if (connecting != null)
        {
            connecting.close();
            connecting = null;
        }
        if (link != null && was != CLOSED)
        {
            final ChannelState ending = link.state();
            link.close();
            if (listener != null)
            {
                listener.close();
            }
            else if (ending == ChannelState.PEER_DIED || ending == ChannelState.PEER_TIMED_OUT)
            {
                // The server that made the rings is gone: nobody else will remove them.
                deleteRings(localAddress);
            }
        }
    }

    /**
     * Tells the peer that no more bytes come (after everything written before).
     */
    @Override
    protected void doShutdownOutput() throws Exception
    {
        if (outputShutdown)
        {
            return;
        }
        if (!isActive())
        {
            throw new ClosedChannelException();
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Channel.LIVENESS_CHECK_MILLIS);
        while (!link.offer(SHUTDOWN_OUTPUT_MSG_TYPE_ID, control, 0, 0))
        {
            if (!link.isConnected() || System.nanoTime() - deadline >= 0)
            {
                throw new IOException(this + ": could not tell the peer of the shutdown: its ring stayed full");
            }
            link.awaitSpace(1, TimeUnit.MILLISECONDS.toNanos(1));
        }
        outputShutdown = true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected void doBeginRead()
    {
        if (state == CLOSED)
        {
            return;
        }
        readPending = true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected Object filterOutboundMessage(final Object msg)
    {
        if (msg instanceof ByteBuf)
        {
            return msg;
        }
        throw new UnsupportedOperationException("a shmq channel carries bytes: write ByteBufs (encode " +
            msg.getClass().getName() + " in the pipeline first)");
    }

    /**
     * Copies the flushed buffers into ring records, as many per record as fit, until all are written or the ring
     * is full (the rest goes when the peer frees room).
     */
    @Override
    protected void doWrite(final ChannelOutboundBuffer out) throws Exception
    {
        writeWaitsForRoom = false;
        if (link == null || !link.isConnected())
        {
            throw new ClosedChannelException();
        }
        final int maxRecord = link.maxMessageLength();
        while (!out.isEmpty())
        {
            ByteBuffer[] buffers = out.nioBuffers(MAX_BUFFERS_PER_RECORD, maxRecord);
            int count = out.nioBufferCount();
            // Not nioBufferSize(): it counts a composite buffer whole even when its parts were cut at the count.
            long size = 0;
            for (int i = 0; i < count; i++)
            {
                size += buffers[i].remaining();
            }
            if (size == 0)
            {
                final ByteBuf current = (ByteBuf)out.current();
                if (!current.isReadable())
                {
                    out.remove();
                    continue;
                }
                // A buffer of more parts than one gathering takes: send it in pieces on its own.
                final int piece = Math.min(current.readableBytes(), maxRecord);
                buffers = current.nioBuffers(current.readerIndex(), piece);
                count = buffers.length;
                size = piece;
            }
            // Netty gathers at least the first buffer whole, even beyond the byte limit: such a write is split.
            final int length = (int)Math.min(size, maxRecord);
            if (!link.claim(DATA_MSG_TYPE_ID, length, claim))
            {
                if (!link.isConnected())
                {
                    throw new ClosedChannelException();
                }
                writeWaitsForRoom = true;
                return;
            }
            final MutableDirectBuffer slot = claim.buffer();
            int at = claim.offset();
            int left = length;
            for (int i = 0; i < count && left > 0; i++)
            {
                final ByteBuffer buffer = buffers[i];
                final int n = Math.min(buffer.remaining(), left);
                slot.putBytes(at, buffer, buffer.position(), n);
                // As a gathering write would: the outbound buffer keeps these views and reads their positions.
                buffer.position(buffer.position() + n);
                at += n;
                left -= n;
            }
            claim.commit();
            out.removeBytes(length);
        }
    }

    private int processIo()
    {
        int work = 0;
        if (state == CONNECTING)
        {
            work += pollConnection();
        }
        if (state != ACTIVE)
        {
            return work;
        }
        if (writeWaitsForRoom)
        {
            ((ShmqUnsafe)unsafe()).flushNow();
            if (!writeWaitsForRoom)
            {
                work++;
            }
        }
        if (readPending || inputShutdown)
        {
            work += readRecords();
        }
        else if (!link.isConnected())
        {
            // Not reading (back-pressure, or AUTO_READ off): the peer's close or death still ends the channel and
            // frees its rings, as a socket's peer hang-up does; what it did not read is dropped with them.
            peerGone();
            work++;
        }
        return work;
    }

    private int readRecords()
    {
        final RecvByteBufAllocator.ExtendedHandle handle =
            (RecvByteBufAllocator.ExtendedHandle)unsafe().recvBufAllocHandle();
        handle.reset(config);
        readHandle = handle;
        recordsRead = 0;
        final int delivered = link.poll(reader, READ_LIMIT);
        final ByteBuf last = readBuffer;
        if (last != null)
        {
            readBuffer = null;
            if (state == CLOSED)
            {
                last.release();
            }
            else
            {
                fireRead(last);
            }
        }
        if (recordsRead > 0)
        {
            handle.readComplete();
            readPending = false;
            pipeline().fireChannelReadComplete();
        }
        if (peerShutdownSeen)
        {
            peerShutdownSeen = false;
            onPeerShutdownOutput();
        }
        if (delivered == 0 && state == ACTIVE && link.state() != ChannelState.CONNECTED)
        {
            peerGone();
        }
        return delivered;
    }

    private void onRecord(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == SHUTDOWN_OUTPUT_MSG_TYPE_ID)
        {
            peerShutdownSeen = true;
            return;
        }
        if (msgTypeId != DATA_MSG_TYPE_ID || inputShutdown || length == 0 || state == CLOSED)
        {
            return;
        }
        recordsRead++;
        ByteBuf target = readBuffer;
        if (target != null && target.writableBytes() < length)
        {
            readBuffer = null;
            fireRead(target);
            target = null;
            if (state == CLOSED)
            {
                // The pipeline closed the channel: the rest of this poll is dropped.
                return;
            }
        }
        if (target == null)
        {
            final ByteBufAllocator allocator = config.getAllocator();
            target = allocator.directBuffer(Math.max(length, readHandle.guess()));
            readBuffer = target;
        }
        final int writerIndex = target.writerIndex();
        buffer.getBytes(index, target.internalNioBuffer(writerIndex, length), length);
        target.writerIndex(writerIndex + length);
    }

    private void fireRead(final ByteBuf buffer)
    {
        readHandle.lastBytesRead(buffer.readableBytes());
        readHandle.incMessagesRead(1);
        pipeline().fireChannelRead(buffer);
    }

    private void onPeerShutdownOutput()
    {
        if (config.isAllowHalfClosure())
        {
            inputShutdown = true;
            pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
        else
        {
            unsafe().close(voidPromise());
        }
    }

    private void peerGone()
    {
        final ChannelState ending = link.state();
        if (ending == ChannelState.PEER_DIED || ending == ChannelState.PEER_TIMED_OUT)
        {
            pipeline().fireExceptionCaught(new IOException(this + ": the peer " + (ending == ChannelState.PEER_DIED ?
                "process died" : "stopped answering") + " (" + ending + ")"));
        }
        unsafe().close(voidPromise());
    }

    private boolean prepareToWait(final ShmqWaitSet waits)
    {
        this.waits = waits;
        if (state == CONNECTING)
        {
            if (connecting.messageDoorbell() == null)
            {
                waits.bound(ShmqWaitSet.UNWATCHED_SLICE_NANOS);
                return false;
            }
            waits.announce(connecting.messageDoorbell());
            return false;
        }
        if (state != ACTIVE)
        {
            return false;
        }
        final boolean reading = readPending || inputShutdown;
        if (reading)
        {
            waits.announce(link.messageDoorbell());
        }
        if (writeWaitsForRoom)
        {
            waits.announce(link.spaceDoorbell());
        }
        // Releases, heartbeats, checks the peer. A message is news only to a channel that reads; a gone peer is news
        // to every channel, whatever it reads or writes, so that its rings are freed (see processIo).
        final boolean messageOrEnd = link.prepareToWait();
        final boolean peerGone = !link.isConnected();
        return (reading && messageOrEnd) || peerGone;
    }

    private void startConnecting(final ShmqAddress server, final ChannelPromise promise) throws IOException
    {
        final long connectionId = newConnectionId();
        final int capacity = config.getRingCapacity();
        sendConnectRequest(server, connectionId, capacity);
        final ShmqAddress connection = server.connectionAddress(connectionId);
        connecting = ChannelConnector.start(connection.name(), ringsOf(connection, capacity));
        remoteAddress = server;
        localAddress = connection;
        connectPromise = promise;
        state = CONNECTING;
        final int timeoutMillis = config.getConnectTimeoutMillis();
        if (timeoutMillis > 0)
        {
            connectTimeout = eventLoop().schedule(() ->
            {
                final ChannelPromise pending = connectPromise;
                if (pending != null && pending.tryFailure(new ConnectTimeoutException("connection timed out after " +
                    timeoutMillis + " ms: " + server + " took the request but did not answer (waited for " +
                    connecting.waitingFor() + ")")))
                {
                    connectPromise = null;
                    unsafe().close(voidPromise());
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        promise.addListener((ChannelFutureListener)done ->
        {
            if (done.isCancelled())
            {
                unsafe().close(voidPromise());
            }
        });
    }

    private void sendConnectRequest(final ShmqAddress server, final long connectionId, final int capacity)
        throws IOException
    {
        final ShmQueue accept;
        try
        {
            accept = ShmQueue.open(server.acceptQueueName(), ShmqServerChannel.acceptQueueConfig(server));
        }
        catch (final InvalidQueueException notBound)
        {
            throw new ConnectException("connection refused: no shmq server is bound to " + server + " (" +
                notBound.getMessage() + ")");
        }
        try
        {
            refuseIfListenerGone(server, accept);
            ConnectRequest.encode(control, connectionId, capacity, ProcessIdentity.current().token());
            if (!accept.producer().offer(ConnectRequest.MSG_TYPE_ID, control, 0, ConnectRequest.LENGTH))
            {
                throw new ConnectException("connection refused: " + server + " has too many connections waiting " +
                    "to be accepted (its accept queue is full)");
            }
        }
        finally
        {
            accept.close();
        }
    }

    /**
     * A server killed without unbinding leaves its accept queue behind with nobody reading it: a request put there
     * would wait out the connect timeout. Its consumer role tells: nobody holds it, or its holder is provably dead
     * (its owner lock free, or its pid gone in this PID namespace). A holder in another namespace without a lock
     * stays unknown: the connect timeout decides then.
     */
    private static void refuseIfListenerGone(final ShmqAddress server, final ShmQueue accept) throws ConnectException
    {
        final QueueHeader header = accept.header();
        final long token = header.consumerOwnerToken();
        final OwnerState listener = OwnerState.of(token, header.consumerOwnerNamespace(), header.consumerOwnerLock(),
            accept.region().file(), QueueHeaderDescriptor.CONSUMER_OWNER_OFFSET);
        if (listener == OwnerState.NONE || listener == OwnerState.DEAD)
        {
            throw new ConnectException("connection refused: the shmq server bound to " + server + " is gone (" +
                (listener == OwnerState.NONE ? "nobody listens on its accept queue" : "its process " +
                ProcessIdentity.fromToken(token) + " died without unbinding") + "); its accept queue " +
                accept.region().description() + " is stale: bind a server again, or remove it with `shmq gc`");
        }
    }

    private int pollConnection()
    {
        final ChannelPromise promise = connectPromise;
        final Channel connected;
        try
        {
            connected = connecting.poll();
        }
        catch (final RuntimeException ex)
        {
            if (promise != null)
            {
                connectPromise = null;
                promise.tryFailure(new ConnectException(remoteAddress + ": " + ex.getMessage()));
            }
            unsafe().close(voidPromise());
            return 1;
        }
        if (connected == null)
        {
            return 0;
        }
        connecting = null;
        link = connected;
        state = ACTIVE;
        if (connectTimeout != null)
        {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
        connectPromise = null;
        final boolean promiseSet = promise != null && promise.trySuccess();
        pipeline().fireChannelActive();
        if (!promiseSet)
        {
            unsafe().close(voidPromise());
        }
        return 1;
    }

    /**
     * The configuration of a connection's rings: both sides derive it from the address and the capacity the
     * client asked for.
     */
    static ChannelConfig ringsOf(final ShmqAddress connection, final int capacity)
    {
        return ChannelConfig.of(QueueConfig.spsc(capacity).withDirectory(connection.directory()));
    }

    private static void deleteRings(final ShmqAddress connection)
    {
        ShmQueue.delete(connection.name() + Channel.CLIENT_TO_SERVER, connection.directory());
        ShmQueue.delete(connection.name() + Channel.SERVER_TO_CLIENT, connection.directory());
    }

    private static long newConnectionId()
    {
        long id;
        do
        {
            id = ThreadLocalRandom.current().nextLong();
        }
        while (id == 0);
        return id;
    }

    private final class ShmqUnsafe extends AbstractUnsafe implements ShmqIoHandle
    {
        @Override
        public void connect(
            final SocketAddress remote, final SocketAddress local, final ChannelPromise promise)
        {
            if (!promise.setUncancellable() || !ensureOpen(promise))
            {
                return;
            }
            if (state == ACTIVE)
            {
                safeSetFailure(promise, new AlreadyConnectedException());
                return;
            }
            if (connectPromise != null)
            {
                throw new ConnectionPendingException();
            }
            if (!(remote instanceof ShmqAddress))
            {
                safeSetFailure(promise, new UnsupportedAddressTypeException());
                return;
            }
            try
            {
                startConnecting((ShmqAddress)remote, promise);
            }
            catch (final Throwable ex)
            {
                safeSetFailure(promise, annotateConnectException(ex, remote));
                close(voidPromise());
            }
        }

        void flushNow()
        {
            flush0();
        }

        @Override
        public int processIo()
        {
            return ShmqChannel.this.processIo();
        }

        @Override
        public boolean prepareToWait(final ShmqWaitSet waits)
        {
            return ShmqChannel.this.prepareToWait(waits);
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
