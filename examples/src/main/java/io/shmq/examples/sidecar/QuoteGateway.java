package io.shmq.examples.sidecar;

/**
 * What the sidecar does with each request, whatever the transport: authorises the api key, applies the key's rate
 * limit (a token bucket), forwards the request to the upstream service (here the in-process {@link #upstreamPrice})
 * and writes the answer.
 */
final class QuoteGateway
{
    /** Keys 1 to 8 are known; key 8 is on a free tier limited to {@link #FREE_TIER_PER_SECOND} requests a second. */
    static final long FREE_TIER_KEY = 8;
    static final long FREE_TIER_PER_SECOND = 20_000;
    private static final long FREE_TIER_BURST = 200;

    private long freeTierTokens = FREE_TIER_BURST;
    private long lastRefillNanos = System.nanoTime();
    long allowed;
    long unauthorised;
    long rateLimited;

    /**
     * Handles one request.
     *
     * @param request  the decoded request (wrapped over the received message).
     * @param response the response to fill (wrapped over the reply's slot).
     */
    void handle(final QuoteRequest request, final QuoteResponse response)
    {
        response.sequence(request.sequence());
        final long key = request.apiKey();
        if (!isKnown(key))
        {
            unauthorised++;
            response.status(QuoteResponse.UNAUTHORISED).price(0);
        }
        else if (key == FREE_TIER_KEY && !takeFreeTierToken())
        {
            rateLimited++;
            response.status(QuoteResponse.RATE_LIMITED).price(0);
        }
        else
        {
            allowed++;
            response.status(QuoteResponse.OK).price(upstreamPrice(request.sku(), request.quantity()));
        }
    }

    static boolean isKnown(final long apiKey)
    {
        return apiKey >= 1 && apiKey <= 8;
    }

    /**
     * The upstream service's answer: a price in cents.
     */
    static long upstreamPrice(final int sku, final int quantity)
    {
        return (sku * 37L + 11) * quantity;
    }

    private boolean takeFreeTierToken()
    {
        final long now = System.nanoTime();
        final long refill = (now - lastRefillNanos) * FREE_TIER_PER_SECOND / 1_000_000_000L;
        if (refill > 0)
        {
            freeTierTokens = Math.min(FREE_TIER_BURST, freeTierTokens + refill);
            lastRefillNanos = now;
        }
        if (freeTierTokens > 0)
        {
            freeTierTokens--;
            return true;
        }
        return false;
    }

    String summary()
    {
        return String.format("allowed %,d, unauthorised %,d, rate-limited %,d", allowed, unauthorised, rateLimited);
    }
}
