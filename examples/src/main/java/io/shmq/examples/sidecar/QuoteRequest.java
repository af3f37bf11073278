package io.shmq.examples.sidecar;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A hand-written flyweight in the style SBE generates: it holds no data, only a buffer and an offset, and reads and
 * writes fields in place. Wrap it over a claimed slot to encode straight into the ring, or over a received message
 * to decode without copying.
 *
 * <pre>
 *   0               8               16              20              24
 *   +---------------+---------------+---------------+---------------+
 *   | request seq   | api key       | sku           | quantity      |
 *   +---------------+---------------+---------------+---------------+
 * </pre>
 * Little-endian, as Agrona's buffers are by default.
 */
public final class QuoteRequest
{
    /** Encoded length. */
    public static final int LENGTH = 24;
    /** Message type id of a quote request. */
    public static final int MSG_TYPE_ID = 10;

    private static final int SEQUENCE_OFFSET = 0;
    private static final int API_KEY_OFFSET = 8;
    private static final int SKU_OFFSET = 16;
    private static final int QUANTITY_OFFSET = 20;

    private MutableDirectBuffer writable;
    private DirectBuffer buffer;
    private int offset;

    /**
     * Points this flyweight at a message to write.
     *
     * @param buffer where the message goes (e.g. a claimed slot's buffer).
     * @param offset where it starts.
     * @return this flyweight.
     */
    public QuoteRequest wrapForEncode(final MutableDirectBuffer buffer, final int offset)
    {
        this.writable = buffer;
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Points this flyweight at a message to read.
     *
     * @param buffer holds the message.
     * @param offset where it starts.
     * @return this flyweight.
     */
    public QuoteRequest wrapForDecode(final DirectBuffer buffer, final int offset)
    {
        this.writable = null;
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * @param sequence the caller's number for this request.
     * @return this flyweight.
     */
    public QuoteRequest sequence(final long sequence)
    {
        writable.putLong(offset + SEQUENCE_OFFSET, sequence);
        return this;
    }

    /**
     * @return the caller's number for this request.
     */
    public long sequence()
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET);
    }

    /**
     * @param apiKey the caller's credential, checked by the sidecar.
     * @return this flyweight.
     */
    public QuoteRequest apiKey(final long apiKey)
    {
        writable.putLong(offset + API_KEY_OFFSET, apiKey);
        return this;
    }

    /**
     * @return the caller's credential.
     */
    public long apiKey()
    {
        return buffer.getLong(offset + API_KEY_OFFSET);
    }

    /**
     * @param sku the article quoted.
     * @return this flyweight.
     */
    public QuoteRequest sku(final int sku)
    {
        writable.putInt(offset + SKU_OFFSET, sku);
        return this;
    }

    /**
     * @return the article quoted.
     */
    public int sku()
    {
        return buffer.getInt(offset + SKU_OFFSET);
    }

    /**
     * @param quantity how many.
     * @return this flyweight.
     */
    public QuoteRequest quantity(final int quantity)
    {
        writable.putInt(offset + QUANTITY_OFFSET, quantity);
        return this;
    }

    /**
     * @return how many.
     */
    public int quantity()
    {
        return buffer.getInt(offset + QUANTITY_OFFSET);
    }
}
