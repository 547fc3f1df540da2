package io.tributary.connect.runtime;

import io.tributary.connect.spec.Secrets;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counters of a running connector, for its status line. Errors are kept redacted ({@link Secrets}): the status
 * line and a job's status never show a credential. Thread-safe: the runner thread writes, anyone reads.
 */
public final class ConnectorStatus
{
    /** Lifecycle of a runner. */
    public enum State
    {
        STARTING, RUNNING, RETRYING, STOPPED, FAILED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final Secrets secrets;

    public ConnectorStatus()
    {
        this(Secrets.none());
    }

    /**
     * @param secrets what its errors must not show.
     */
    public ConnectorStatus(final Secrets secrets)
    {
        this.secrets = secrets;
    }

    /**
     * @return what this connector's errors, logs and dead-letter headers must not show.
     */
    public Secrets secrets()
    {
        return secrets;
    }

    public State state()
    {
        return state.get();
    }

    public long records()
    {
        return records.get();
    }

    public long batches()
    {
        return batches.get();
    }

    public long deadLettered()
    {
        return deadLettered.get();
    }

    public long retries()
    {
        return retries.get();
    }

    public String lastError()
    {
        return lastError.get();
    }

    void state(final State next)
    {
        state.set(next);
    }

    void delivered(final int count)
    {
        records.addAndGet(count);
        batches.incrementAndGet();
    }

    void deadLettered(final int count)
    {
        deadLettered.addAndGet(count);
    }

    void retried(final String error)
    {
        retries.incrementAndGet();
        lastError.set(secrets.redact(error));
    }

    void failed(final String error)
    {
        lastError.set(secrets.redact(error));
        state.set(State.FAILED);
    }

    /**
     * @return one line: state, records, batches, dead-lettered, retries and the last error.
     */
    public String line()
    {
        final String error = lastError.get();
        return String.format("%s records=%,d batches=%,d dead_lettered=%,d retries=%,d%s", state.get(),
            records.get(), batches.get(), deadLettered.get(), retries.get(), error == null ? "" : " last_error=" +
                error);
    }
}
