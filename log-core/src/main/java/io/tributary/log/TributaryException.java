package io.tributary.log;

/**
 * A request the cluster refused, or that could not complete; {@link #errorCode()} says which, the message says why.
 */
public class TributaryException extends RuntimeException
{
    private final ErrorCode errorCode;

    public TributaryException(final ErrorCode errorCode, final String message)
    {
        super(message);
        this.errorCode = errorCode;
    }

    public TributaryException(final ErrorCode errorCode, final String message, final Throwable cause)
    {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode()
    {
        return errorCode;
    }
}
