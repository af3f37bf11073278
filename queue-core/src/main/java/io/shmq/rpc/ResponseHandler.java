package io.shmq.rpc;

import org.agrona.DirectBuffer;

/**
 * Receives responses in place: the body is valid only during the call (copy what you keep).
 */
@FunctionalInterface
public interface ResponseHandler
{
    /**
     * One response.
     *
     * @param correlationId the id {@link RequestClient} returned for the request.
     * @param msgTypeId     the response's type.
     * @param buffer        holds the body.
     * @param index         the body's offset.
     * @param length        the body's length.
     */
    void onResponse(long correlationId, int msgTypeId, DirectBuffer buffer, int index, int length);
}
