package io.tributary.connect;

import java.time.Duration;

/**
 * A failed delivery of a batch that says whether retrying may help, and how long the far end asked us to wait.
 */
public final class DeliveryException extends Exception
{
    private final boolean retriable;
    private final transient Duration retryAfter;

    /**
     * @param retriable  whether the same batch may succeed later (a 503, a lost connection).
     * @param retryAfter the wait the far end asked for, or null.
     */
    public DeliveryException(final String message, final boolean retriable, final Duration retryAfter)
    {
        super(message);
        this.retriable = retriable;
        this.retryAfter = retryAfter;
    }

    public boolean retriable()
    {
        return retriable;
    }

    public Duration retryAfter()
    {
        return retryAfter;
    }
}
