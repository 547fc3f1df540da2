package io.tributary.bench;

import java.time.Duration;

/**
 * One system under test, seen through the few operations the workloads need, so that every workload runs the same
 * loop against Tributary and against Kafka. Implementations wrap each system's own client API with its documented
 * production settings and the same durability: a send completes only once the record is replicated as the system
 * promises (Kafka {@code acks=all}, Tributary acknowledged after the cluster committed it).
 * <p>
 * A target is used from the workload's thread; producers and consumers it creates follow their client's threading
 * (a producer may be shared, a consumer belongs to one thread).
 */
interface Target extends AutoCloseable
{
    /**
     * @return {@code "kafka"} or {@code "tributary"}: names result files and report columns.
     */
    String name();

    void createTopic(String topic, int partitions);

    void deleteTopic(String topic);

    /**
     * @param batchSize the producer's batch size in bytes.
     * @param linger    how long a batch may wait for more records.
     * @return a producer of byte-array keys and values.
     */
    Sender producer(int batchSize, Duration linger);

    /**
     * @param topic every partition of it is assigned (no group) and read from the beginning.
     * @return a consumer for one thread.
     */
    Reader consumer(String topic);

    /**
     * Starts a pipeline in this JVM, reading {@code input} from its beginning with exactly-once processing: Kafka
     * Streams over Kafka, Tributary's pipeline DSL over Tributary, both committing every 100 ms.
     *
     * @param kind        which of the two pipelines.
     * @param inputRecords how many records the input holds.
     */
    RunningPipeline pipeline(PipelineWorkload.Kind kind, String input, String output, long inputRecords);

    @Override
    void close();

    /** A pipeline running on its own threads until closed. */
    interface RunningPipeline extends AutoCloseable
    {
        /**
         * @return true once it has taken its first input record (so start-up is left out of the timing).
         */
        boolean started();

        /**
         * @return true once every input record (and every record it repartitioned) is processed and committed.
         */
        boolean finished();

        @Override
        void close();
    }

    /** Called once per send, on the client's I/O thread, with null on success. */
    @FunctionalInterface
    interface Completion
    {
        void completed(Exception failure);
    }

    /** A producer. Thread-safe as its client is. */
    interface Sender extends AutoCloseable
    {
        void send(String topic, byte[] key, byte[] value, long timestampMs, Completion completion);

        void flush();

        @Override
        void close();
    }

    /** Sees each record a {@link Reader} polls. */
    @FunctionalInterface
    interface RecordHandler
    {
        void onRecord(byte[] value, long timestampMs);
    }

    /** A consumer of one topic from its beginning. One thread only. */
    interface Reader extends AutoCloseable
    {
        /**
         * @return how many records were handed to the handler.
         */
        int poll(Duration timeout, RecordHandler handler);

        @Override
        void close();
    }
}
