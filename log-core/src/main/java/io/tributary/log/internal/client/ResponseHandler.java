package io.tributary.log.internal.client;

import io.tributary.log.ErrorCode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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
     * A response copied once out of Aeron's buffer and shared by every request it answers (fetches of the same
     * partition and offset): the buffer stays valid after the call and must not be modified. By default the same
     * as {@link #onResponse}; a handler that keeps the bytes overrides it to keep a reference instead of a copy.
     */
    default void onSharedResponse(final DirectBuffer buffer, final int offset, final int length)
    {
        onResponse(buffer, offset, length);
    }

    /**
     * The request got no response: timed out, connection lost, or client closed.
     *
     * @param code    why.
     * @param message for the user.
     */
    void onFailure(ErrorCode code, String message);

    /**
     * Hand a response to its handler, bounded to the response's own bytes. A response the handler cannot read (from
     * a broken or hostile server) fails the request with {@code UNKNOWN_ERROR} instead of escaping to the conductor
     * thread and leaving the request unanswered forever; so a handler's {@code onResponse} that throws must leave it
     * ready for {@code onFailure}.
     *
     * @param shared whether to call {@link #onSharedResponse} (the buffer outlives the call) or {@link #onResponse}.
     */
    static void deliver(
        final ResponseHandler handler, final DirectBuffer buffer, final int offset, final int length,
        final boolean shared)
    {
        final UnsafeBuffer response = new UnsafeBuffer(buffer, offset, length);
        try
        {
            if (shared)
            {
                handler.onSharedResponse(response, 0, length);
            }
            else
            {
                handler.onResponse(response, 0, length);
            }
        }
        catch (final RuntimeException ex)
        {
            handler.onFailure(ErrorCode.UNKNOWN_ERROR, "could not read the response: " + ex);
        }
    }
}
