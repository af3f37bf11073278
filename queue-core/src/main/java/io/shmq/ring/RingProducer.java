package io.shmq.ring;

import io.shmq.wait.Doorbell;
import org.agrona.DirectBuffer;

/**
 * Writes messages into a ring. A full ring is reported at once by a {@code false} return: the caller decides
 * whether to retry, back off or drop. Nothing on these paths allocates, locks or makes a system call.
 *
 * <p>An SPSC producer must be used by one thread at a time; an MPSC producer may be shared by threads.
 */
public interface RingProducer extends AutoCloseable
{
    /**
     * Copies a message into the ring.
     *
     * @param msgTypeId application message type, at least 1.
     * @param src       buffer holding the payload.
     * @param index     offset of the payload in {@code src}.
     * @param length    payload length, 0 to {@link #maxMessageLength()}.
     * @return true when the message was committed, false when the ring had no room.
     * @throws IllegalArgumentException when the type id or length is out of range.
     */
    boolean offer(int msgTypeId, DirectBuffer src, int index, int length);

    /**
     * Claims room for a message that the caller writes in place, then commits or aborts through {@code claim}.
     *
     * @param msgTypeId application message type, at least 1.
     * @param length    payload length, 0 to {@link #maxMessageLength()}.
     * @param claim     the caller's reusable claim, filled on success.
     * @return true when the slot was claimed, false when the ring had no room.
     * @throws IllegalArgumentException when the type id or length is out of range.
     * @throws IllegalStateException    when {@code claim} (or, for SPSC, this producer) holds an uncommitted slot.
     */
    boolean claim(int msgTypeId, int length, SlotClaim claim);

    /**
     * Sleeps until a message of {@code length} bytes would fit, a wake-up from the consumer, or the timeout; for a
     * producer that found the ring full and has nothing better to do. Spurious returns are possible: retry the
     * offer or claim.
     *
     * @param length       payload length that must fit.
     * @param timeoutNanos the longest sleep.
     * @return true when the message fits now.
     */
    boolean awaitSpace(int length, long timeoutNanos);

    /**
     * The doorbell the consumer rings after it released space: sleep on it (announce, re-check, sleep, withdraw)
     * to wait for room together with other words.
     *
     * @return this ring's space doorbell.
     */
    Doorbell spaceDoorbell();

    /**
     * The largest payload this ring accepts.
     *
     * @return the maximum message length in bytes.
     */
    int maxMessageLength();

    /**
     * Releases the producer role (SPSC) and refuses further use. Idempotent.
     */
    void close();
}
