package io.shmq.rpc;

import org.agrona.DirectBuffer;

/**
 * Handles one request in place and answers it through {@code reply}, before returning (or not at all, for a request
 * that wants no answer).
 */
@FunctionalInterface
public interface RequestHandler
{
    /**
     * One request.
     *
     * @param msgTypeId the request's type.
     * @param buffer    holds the body, valid only during the call.
     * @param index     the body's offset.
     * @param length    the body's length.
     * @param reply     answers this request: {@link Reply#send} or {@link Reply#claim} then {@link Reply#commit}.
     */
    void onRequest(int msgTypeId, DirectBuffer buffer, int index, int length, Reply reply);
}
