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
 * failing stops the task, so nothing is acknowledged that the cluster does not hold.
 * <p>
 * Not thread-safe: {@link #runOnce} runs on the runner's thread; {@link #stop} may be called from any.
 */
public final class SourceTask
{
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
        final List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(batch.size() + 1);
        String position = null;
        int invalid = 0;
        int none = 0;
        for (final SourceRecord record : batch)
        {
            if (record.isPositionOnly())
            {
                none++;
            }
            else if (record.failure() != null)
            {
                out.add(DeadLetters.forSource(deadLetterTopic, name, record.value(), record.failure()));
                invalid++;
            }
            else
            {
                out.add(new ProducerRecord<>(to.topic(), null, keyTemplate.key(record.key(), record.attributes()),
                    record.value(), record.timestamp(), record.headers()));
            }
            if (record.position() != null)
            {
                position = record.position();
            }
        }
        if (position != null)
        {
            out.add(SourcePositions.record(name, position));
        }
        append(batch, out);
        source.acknowledge(batch);
        status.delivered(batch.size() - invalid - none);
        status.deadLettered(invalid);
        return batch.size();
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
                if (attempt >= retry.maxAttempts())
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
