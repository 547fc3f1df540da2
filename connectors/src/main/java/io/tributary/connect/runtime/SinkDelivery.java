package io.tributary.connect.runtime;

import io.tributary.connect.DeliveryException;
import io.tributary.connect.RecordConversionException;
import io.tributary.connect.SinkConnector;
import io.tributary.connect.config.BlockConfigs;
import io.tributary.log.ConsumerRecord;
import io.tributary.log.ProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Delivers one batch to a sink with retries: a record the sink cannot convert goes to the dead-letter topic at
 * once and the rest is delivered again; a batch that keeps failing (or fails for good) is delivered one record at a
 * time so that only the records that fail go to the dead-letter topic. Returns once every record was delivered or
 * dead-lettered, so the caller may commit the batch's offsets.
 * <p>
 * Not thread-safe: used by one runner thread.
 */
public final class SinkDelivery
{
    /**
     * Where dead-letter records go; the call returns once the cluster acknowledged them.
     */
    @FunctionalInterface
    public interface DeadLetterWriter
    {
        void write(List<ProducerRecord<byte[], byte[]>> records) throws Exception;
    }

    private final String name;
    private final SinkConnector sink;
    private final BlockConfigs.Retry retry;
    private final String deadLetterTopic;
    private final DeadLetterWriter deadLetters;
    private final ConnectorStatus status;
    private final Sleeper sleeper;

    public SinkDelivery(final String name, final SinkConnector sink, final BlockConfigs.Retry retry,
        final String deadLetterTopic, final DeadLetterWriter deadLetters, final ConnectorStatus status,
        final Sleeper sleeper)
    {
        this.name = name;
        this.sink = sink;
        this.retry = retry;
        this.deadLetterTopic = deadLetterTopic;
        this.deadLetters = deadLetters;
        this.status = status;
        this.sleeper = sleeper;
    }

    public void deliver(final List<ConsumerRecord<byte[], byte[]>> batch) throws Exception
    {
        List<ConsumerRecord<byte[], byte[]>> remaining = new ArrayList<>(batch);
        final List<ProducerRecord<byte[], byte[]>> dead = new ArrayList<>();
        int attempt = 0;
        while (!remaining.isEmpty())
        {
            attempt++;
            try
            {
                sink.deliver(remaining);
                status.delivered(remaining.size());
                status.state(ConnectorStatus.State.RUNNING);
                remaining = List.of();
            }
            catch (final RecordConversionException ex)
            {
                dead.add(DeadLetters.forSink(deadLetterTopic, name, ex.record(), ex, 1, status.secrets()));
                final ConsumerRecord<byte[], byte[]> poisoned = ex.record();
                final List<ConsumerRecord<byte[], byte[]>> rest = new ArrayList<>(remaining);
                if (!rest.removeIf(r -> r == poisoned || sameRecord(r, poisoned)))
                {
                    throw new IllegalStateException("sink named a record not in the batch: " + poisoned, ex);
                }
                remaining = rest;
                attempt = 0;
            }
            catch (final InterruptedException ex)
            {
                throw ex;
            }
            catch (final Exception ex)
            {
                final boolean retriable = !(ex instanceof DeliveryException de) || de.retriable();
                if (!retriable || attempt >= retry.maxAttempts())
                {
                    if (remaining.size() == 1)
                    {
                        dead.add(DeadLetters.forSink(deadLetterTopic, name, remaining.get(0), ex, attempt,
                            status.secrets()));
                    }
                    else
                    {
                        one(remaining, dead);
                    }
                    remaining = List.of();
                }
                else
                {
                    status.retried(ex.toString());
                    status.state(ConnectorStatus.State.RETRYING);
                    Duration wait = retry.delay(attempt);
                    if (ex instanceof DeliveryException de && de.retryAfter() != null &&
                        de.retryAfter().compareTo(wait) > 0)
                    {
                        wait = de.retryAfter().compareTo(retry.maxBackoff()) > 0 ? retry.maxBackoff() :
                            de.retryAfter();
                    }
                    sleeper.sleep(wait);
                }
            }
        }
        if (!dead.isEmpty())
        {
            deadLetters.write(dead);
            status.deadLettered(dead.size());
        }
    }

    /**
     * Deliver one record at a time, once each: what fails is dead-lettered.
     */
    private void one(final List<ConsumerRecord<byte[], byte[]>> records,
        final List<ProducerRecord<byte[], byte[]>> dead) throws InterruptedException
    {
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            try
            {
                sink.deliver(List.of(record));
                status.delivered(1);
            }
            catch (final InterruptedException ex)
            {
                throw ex;
            }
            catch (final Exception ex)
            {
                dead.add(DeadLetters.forSink(deadLetterTopic, name, record, ex, retry.maxAttempts() + 1,
                    status.secrets()));
            }
        }
    }

    private static boolean sameRecord(final ConsumerRecord<byte[], byte[]> a, final ConsumerRecord<byte[], byte[]> b)
    {
        return a.topic().equals(b.topic()) && a.partition() == b.partition() && a.offset() == b.offset();
    }
}
