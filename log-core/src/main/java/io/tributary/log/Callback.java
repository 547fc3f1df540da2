package io.tributary.log;

/**
 * Told once a send completes. Runs on the client's I/O thread: return quickly, never block.
 */
@FunctionalInterface
public interface Callback
{
    /**
     * @param metadata where the record was written, or null on failure.
     * @param exception why it failed, or null on success.
     */
    void onCompletion(RecordMetadata metadata, Exception exception);
}
