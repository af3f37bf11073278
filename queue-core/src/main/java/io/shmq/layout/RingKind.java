package io.shmq.layout;

/**
 * Which producers a ring serves. The kind is recorded in the queue header; attaching with another kind is an error.
 */
public enum RingKind
{
    /** One producer and one consumer: the producer clears the next record header ahead of itself. */
    SPSC(1),

    /** Many producers (threads or processes) and one consumer: producers claim with a CAS on the tail. */
    MPSC(2);

    private final int code;

    RingKind(final int code)
    {
        this.code = code;
    }

    /**
     * The value stored in the queue header's ring-kind field.
     *
     * @return the on-disk code of this kind.
     */
    public int code()
    {
        return code;
    }

    /**
     * The kind stored under {@code code}, or {@code null} when no kind has that code.
     *
     * @param code the value of the header's ring-kind field.
     * @return the kind, or {@code null}.
     */
    public static RingKind fromCode(final int code)
    {
        for (final RingKind kind : values())
        {
            if (kind.code == code)
            {
                return kind;
            }
        }
        return null;
    }
}
