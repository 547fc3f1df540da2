package io.tributary.connect.config;

import io.tributary.connect.spec.Settings;

/**
 * One connector as a file describes it, checked. Immutable.
 *
 * @param file       the file it came from.
 * @param line       the line its document starts at.
 * @param name       its name: the key of its position and its default group.
 * @param kind       source or sink.
 * @param type       the connector type, e.g. {@code mqtt}.
 * @param settings   the type's settings.
 * @param to         for a source: where its records go; null for a sink.
 * @param from       for a sink: what it reads; null for a source.
 * @param batching   batching.
 * @param retry      retries.
 * @param deadLetter the dead-letter topic.
 */
public record ConnectorConfig(
    String file,
    int line,
    String name,
    Kind kind,
    String type,
    Settings settings,
    BlockConfigs.To to,
    BlockConfigs.From from,
    BlockConfigs.Batching batching,
    BlockConfigs.Retry retry,
    BlockConfigs.DeadLetter deadLetter)
{
    /**
     * Which way records flow.
     */
    public enum Kind
    {
        SOURCE, SINK;

        public String key()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
