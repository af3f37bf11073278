package io.shmq.chronicle;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.PointerBytesStore;
import org.agrona.DirectBuffer;

/**
 * A Chronicle {@code Bytes} view of a message slot, for code that already encodes with Chronicle Bytes (or Wire):
 * write a claimed slot through {@link #forWrite}, read a delivered message through {@link #forRead}. The view points
 * at the ring's memory (nothing is copied) and is bounded by the slot: writing past it throws. One view object
 * re-points one {@code Bytes} and allocates nothing per message; each call invalidates what the previous returned,
 * so keep one view per use (e.g. one for requests, one for responses).
 *
 * <p>Optional: needs {@code net.openhft:chronicle-bytes} on the class path (queue-core declares it optional) and,
 * on Java 17 and 25, {@code --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
 * --add-opens=java.base/java.lang.reflect=ALL-UNNAMED}; exclude {@code net.openhft:chronicle-analytics} (or run
 * with {@code -Dchronicle.analytics.disable=true}) so it sends no usage data.
 *
 * <pre>{@code
 * ChronicleSlotView view = new ChronicleSlotView();
 * if (producer.claim(ORDER, 16, claim))
 * {
 *     view.forWrite(claim.buffer(), claim.offset(), claim.length()).writeLong(orderId).writeLong(price);
 *     claim.commit();
 * }
 * consumer.read((type, buffer, index, length) -> handle(view.forRead(buffer, index, length)), 64);
 * }</pre>
 */
public final class ChronicleSlotView
{
    private final PointerBytesStore store = new PointerBytesStore();
    private Bytes<Void> bytes;

    /**
     * A view not yet pointing anywhere.
     */
    public ChronicleSlotView()
    {
    }

    /**
     * Points the view at a slot to write: write position 0, write limit {@code length}.
     *
     * @param buffer the slot's buffer (a ring's, off-heap).
     * @param index  the slot's first payload byte.
     * @param length the slot's payload length.
     * @return the view, ready to write.
     */
    public Bytes<Void> forWrite(final DirectBuffer buffer, final int index, final int length)
    {
        point(buffer, index, length);
        return bytes;
    }

    /**
     * Points the view at a message to read: read position 0, {@code length} bytes readable.
     *
     * @param buffer the message's buffer (a ring's, off-heap).
     * @param index  its first byte.
     * @param length its length.
     * @return the view, ready to read.
     */
    public Bytes<Void> forRead(final DirectBuffer buffer, final int index, final int length)
    {
        point(buffer, index, length);
        bytes.readPositionRemaining(0, length);
        return bytes;
    }

    private void point(final DirectBuffer buffer, final int index, final int length)
    {
        if (buffer.byteArray() != null)
        {
            throw new IllegalArgumentException("a Chronicle view needs off-heap memory; this buffer wraps a byte[] " +
                "(a shmq ring is always off-heap)");
        }
        buffer.boundsCheck(index, length);
        store.set(buffer.addressOffset() + index, length);
        if (bytes == null)
        {
            // Made once, at the first slot (a store at address 0 is refused): later slots only re-point the store.
            bytes = store.bytesForWrite();
        }
        bytes.clear();
    }
}
