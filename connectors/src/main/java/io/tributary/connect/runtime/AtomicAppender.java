package io.tributary.connect.runtime;

import io.tributary.log.ProducerRecord;

import java.util.List;

/**
 * Appends records to the cluster all or nothing.
 */
@FunctionalInterface
public interface AtomicAppender
{
    /**
     * Append every record in one atomic append and wait for the cluster to commit it.
     *
     * @throws Exception when it was not committed (or its outcome is unknown).
     */
    void append(List<ProducerRecord<byte[], byte[]>> records) throws Exception;
}
