package io.shmq.examples.sidecar;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The sidecar's answer to a {@link QuoteRequest}, a flyweight like it.
 *
 * <pre>
 *   0               8               12              16              24
 *   +---------------+---------------+---------------+---------------+
 *   | request seq   | status        | reserved      | price         |
 *   +---------------+---------------+---------------+---------------+
 * </pre>
 * Status: {@link #OK} (price set), {@link #UNAUTHORISED} (unknown api key), {@link #RATE_LIMITED}.
 */
public final class QuoteResponse
{
    /** Encoded length. */
    public static final int LENGTH = 24;
    /** Message type id of a quote response. */
    public static final int MSG_TYPE_ID = 11;
    /** The backend's price is in the response. */
    public static final int OK = 200;
    /** The api key is not allowed. */
    public static final int UNAUTHORISED = 401;
    /** The api key sent more than its rate allows. */
    public static final int RATE_LIMITED = 429;

    private static final int SEQUENCE_OFFSET = 0;
    private static final int STATUS_OFFSET = 8;
    private static final int PRICE_OFFSET = 16;

    private MutableDirectBuffer writable;
    private DirectBuffer buffer;
    private int offset;

    /**
     * Points this flyweight at a message to write.
     *
     * @param buffer where the message goes.
     * @param offset where it starts.
     * @return this flyweight.
     */
    public QuoteResponse wrapForEncode(final MutableDirectBuffer buffer, final int offset)
    {
        this.writable = buffer;
        this.buffer = buffer;
        this.offset = offset;
        writable.putInt(offset + STATUS_OFFSET + 4, 0);
        return this;
    }

    /**
     * Points this flyweight at a message to read.
     *
     * @param buffer holds the message.
     * @param offset where it starts.
     * @return this flyweight.
     */
    public QuoteResponse wrapForDecode(final DirectBuffer buffer, final int offset)
    {
        this.writable = null;
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * @param sequence the request's number.
     * @return this flyweight.
     */
    public QuoteResponse sequence(final long sequence)
    {
        writable.putLong(offset + SEQUENCE_OFFSET, sequence);
        return this;
    }

    /**
     * @return the request's number.
     */
    public long sequence()
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET);
    }

    /**
     * @param status {@link #OK}, {@link #UNAUTHORISED} or {@link #RATE_LIMITED}.
     * @return this flyweight.
     */
    public QuoteResponse status(final int status)
    {
        writable.putInt(offset + STATUS_OFFSET, status);
        return this;
    }

    /**
     * @return the status.
     */
    public int status()
    {
        return buffer.getInt(offset + STATUS_OFFSET);
    }

    /**
     * @param price the quote, in cents (0 unless OK).
     * @return this flyweight.
     */
    public QuoteResponse price(final long price)
    {
        writable.putLong(offset + PRICE_OFFSET, price);
        return this;
    }

    /**
     * @return the quote, in cents.
     */
    public long price()
    {
        return buffer.getLong(offset + PRICE_OFFSET);
    }
}
