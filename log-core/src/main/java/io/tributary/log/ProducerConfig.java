package io.tributary.log;

import io.tributary.log.internal.cluster.ClusterMembers;

import java.time.Duration;
import java.util.Objects;

/**
 * Producer settings, named after Kafka's where they mean the same. Immutable; build with {@link #builder()}.
 *
 * @param cluster        members list, e.g. {@code "0=127.0.0.1:9100"}.
 * @param linger         how long a batch waits for more records before it is sent ({@code linger.ms}).
 * @param batchSize      bytes at which a partition's batch is sent without waiting ({@code batch.size}).
 * @param bufferMemory   bytes of records waiting to be acknowledged before {@code send} blocks
 *                       ({@code buffer.memory}).
 * @param maxBlock       how long {@code send} may block for buffer space or metadata ({@code max.block.ms}).
 * @param requestTimeout how long to wait for an acknowledgement ({@code request.timeout.ms}).
 * @param maxRequestSize bytes of batches in one request to the cluster ({@code max.request.size}).
 * @param idempotence    number each partition's records so that a batch sent again after a failover is written
 *                       once, in order ({@code enable.idempotence}); with it, sends whose outcome is unknown are
 *                       retried until {@code deliveryTimeout}.
 * @param deliveryTimeout how long a send may take, retries included, before it fails ({@code delivery.timeout.ms}).
 * @param retryBackoff   wait before sending a batch again that arrived out of order ({@code retry.backoff.ms}).
 * @param credentials    who to authenticate as; null for nobody.
 */
public record ProducerConfig(
    String cluster,
    Duration linger,
    int batchSize,
    long bufferMemory,
    Duration maxBlock,
    Duration requestTimeout,
    int maxRequestSize,
    boolean idempotence,
    Duration deliveryTimeout,
    Duration retryBackoff,
    Credentials credentials)
{
    public ProducerConfig
    {
        Objects.requireNonNull(cluster, "cluster");
        ClusterMembers.parse(cluster);
        if (batchSize < 256 || batchSize > 1024 * 1024)
        {
            throw new IllegalArgumentException("batchSize must be between 256 B and 1 MiB: " + batchSize);
        }
        if (maxRequestSize < batchSize || maxRequestSize > 1024 * 1024 + 64 * 1024)
        {
            throw new IllegalArgumentException("maxRequestSize must be between batchSize and 1088 KiB");
        }
        Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (bufferMemory < maxRequestSize)
        {
            throw new IllegalArgumentException("bufferMemory must be at least maxRequestSize");
        }
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Defaults: single-node cluster, linger 5 ms, batch 64 KiB, buffer 32 MiB, max block 60 s, request timeout
     * 30 s, max request 1 MiB, idempotence on, delivery timeout 120 s, retry backoff 100 ms.
     */
    public static final class Builder
    {
        private Credentials credentials;

        /**
         * @param credentials who to authenticate as ({@link Credentials#fromFile},
         *                    {@link Credentials#fromEnvironment}); null, the default, for the process's default
         *                    ({@link Credentials#setProcessDefault}), else nobody.
         * @return this.
         */
        public Builder credentials(final Credentials credentials)
        {
            this.credentials = credentials;
            return this;
        }

        private String cluster = ClusterMembers.DEFAULT;
        private Duration linger = Duration.ofMillis(5);
        private int batchSize = 64 * 1024;
        private long bufferMemory = 32L * 1024 * 1024;
        private Duration maxBlock = Duration.ofSeconds(60);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxRequestSize = 1024 * 1024;
        private boolean idempotence = true;
        private Duration deliveryTimeout = Duration.ofSeconds(120);
        private Duration retryBackoff = Duration.ofMillis(100);

        public Builder cluster(final String cluster)
        {
            this.cluster = cluster;
            return this;
        }

        public Builder linger(final Duration linger)
        {
            this.linger = linger;
            return this;
        }

        public Builder batchSize(final int batchSize)
        {
            this.batchSize = batchSize;
            return this;
        }

        public Builder bufferMemory(final long bufferMemory)
        {
            this.bufferMemory = bufferMemory;
            return this;
        }

        public Builder maxBlock(final Duration maxBlock)
        {
            this.maxBlock = maxBlock;
            return this;
        }

        public Builder requestTimeout(final Duration requestTimeout)
        {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder maxRequestSize(final int maxRequestSize)
        {
            this.maxRequestSize = maxRequestSize;
            return this;
        }

        public Builder idempotence(final boolean idempotence)
        {
            this.idempotence = idempotence;
            return this;
        }

        public Builder deliveryTimeout(final Duration deliveryTimeout)
        {
            this.deliveryTimeout = deliveryTimeout;
            return this;
        }

        public Builder retryBackoff(final Duration retryBackoff)
        {
            this.retryBackoff = retryBackoff;
            return this;
        }

        public ProducerConfig build()
        {
            return new ProducerConfig(cluster, linger, batchSize, bufferMemory, maxBlock, requestTimeout, maxRequestSize,
                idempotence, deliveryTimeout, retryBackoff, credentials);
        }
    }
}
