package io.tributary.connect.runtime;

import io.tributary.connect.SourceConnector;
import io.tributary.connect.SourceRecord;
import io.tributary.connect.config.BlockConfigs;
import io.tributary.log.ProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The loop of a source: poll a batch, append its records (bad input to the dead-letter topic) together with the
 * position of its last record in one atomic append, then acknowledge the batch upstream. An append that keeps
 * failing stops the task, so nothing is acknowledged that the cluster does not hold; an append refused because the
 * runner lost its {@link SourceLease} stops it at once.
 * <p>
 * Not thread-safe: {@link #runOnce} runs on the runner's thread; {@link #stop} may be called from any.
 */
public final class SourceTask
{
    /** Bytes of records in one atomic append, below the producer's 1 MiB request with room for the framing. */
    static final long MAX_APPEND_BYTES = 900 * 1024;

    private final String name;
    private final SourceConnector source;
    private final AtomicAppender appender;
    private final BlockConfigs.To to;
    private final BlockConfigs.Batching batching;
    private final BlockConfigs.Retry retry;
    private final String deadLetterTopic;
    private final KeyTemplate keyTemplate;
    private final ConnectorStatus status;
    private final Sleeper sleeper;

    public SourceTask(final String name, final SourceConnector source, final AtomicAppender appender,
        final BlockConfigs.To to, final BlockConfigs.Batching batching, final BlockConfigs.Retry retry,
        final String deadLetterTopic, final ConnectorStatus status, final Sleeper sleeper)
    {
        this.name = name;
        this.source = source;
        this.appender = appender;
        this.to = to;
        this.batching = batching;
        this.retry = retry;
        this.deadLetterTopic = deadLetterTopic;
        this.keyTemplate = new KeyTemplate(to.key());
        this.status = status;
        this.sleeper = sleeper;
    }

    /**
     * Poll once and append what came.
     *
     * @return the records appended.
     * @throws Exception when the batch could not be appended within the retries; the batch was rejected upstream.
     */
    public int runOnce() throws Exception
    {
        final List<SourceRecord> batch = source.poll(batching.count(), batching.period());
        if (batch.isEmpty())
        {
            return 0;
        }
        // One atomic append must fit one request: a large batch goes as several appends, each with the position of
        // its own last record, which keeps "records and position together" true for each.
        final List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        String position = null;
        long bytes = 0;
        int invalid = 0;
        int none = 0;
        for (final SourceRecord record : batch)
        {
            final ProducerRecord<byte[], byte[]> produced;
            if (record.isPositionOnly())
            {
                produced = null;
                none++;
            }
            else if (record.failure() != null)
            {
                produced = DeadLetters.forSource(deadLetterTopic, name, record.value(),
                    status.secrets().redact(record.failure()));
                invalid++;
            }
            else
            {
                produced = new ProducerRecord<>(record.topic() != null ? record.topic() : to.topic(), null, keyTemplate.key(record.key(), record.attributes()),
                    record.value(), record.timestamp(), record.headers());
            }
            final long size = produced == null ? 0 : size(produced);
            if (!out.isEmpty() && bytes + size > MAX_APPEND_BYTES)
            {
                flush(batch, out, position);
                bytes = 0;
            }
            if (produced != null)
            {
                out.add(produced);
                bytes += size;
            }
            if (record.position() != null)
            {
                position = record.position();
            }
        }
        flush(batch, out, position);
        source.acknowledge(batch);
        status.delivered(batch.size() - invalid - none);
        status.deadLettered(invalid);
        return batch.size();
    }

    private void flush(final List<SourceRecord> batch, final List<ProducerRecord<byte[], byte[]>> out,
        final String position) throws Exception
    {
        if (position != null)
        {
            out.add(SourcePositions.record(name, position));
        }
        if (!out.isEmpty())
        {
            append(batch, new ArrayList<>(out));
        }
        out.clear();
    }

    private static long size(final ProducerRecord<byte[], byte[]> record)
    {
        long size = 64 + (record.key() == null ? 0 : record.key().length) +
            (record.value() == null ? 0 : record.value().length);
        for (final io.tributary.log.Header h : record.headers())
        {
            size += 8 + h.key().length() * 3L + h.value().length;
        }
        return size;
    }

    private void append(final List<SourceRecord> batch, final List<ProducerRecord<byte[], byte[]>> out)
        throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                appender.append(out);
                status.state(ConnectorStatus.State.RUNNING);
                return;
            }
            catch (final Exception ex)
            {
                if (attempt >= retry.maxAttempts() || SourceLease.isFenced(ex))
                {
                    source.reject(batch, ex);
                    throw ex;
                }
                status.retried(ex.toString());
                status.state(ConnectorStatus.State.RETRYING);
                final Duration wait = retry.delay(attempt);
                sleeper.sleep(wait);
            }
        }
    }
}
