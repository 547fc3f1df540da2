package io.tributary.log.internal.client;

import io.tributary.log.ErrorCode;
import org.agrona.DirectBuffer;

/**
 * Told the outcome of one request. Called on the client conductor thread: must not block.
 */
public interface ResponseHandler
{
    /**
     * @param buffer holding the whole response, message header included; valid only during the call.
     * @param offset where it starts.
     * @param length its length.
     */
    void onResponse(DirectBuffer buffer, int offset, int length);

    /**
     * The request got no response: timed out, connection lost, or client closed.
     *
     * @param code    why.
     * @param message for the user.
     */
    void onFailure(ErrorCode code, String message);
}
