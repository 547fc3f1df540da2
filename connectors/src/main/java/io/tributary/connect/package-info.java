/**
 * Connectors: sources that bring events into topics and sinks that deliver them out, configured in YAML.
 * <p>
 * The SPI is {@link io.tributary.connect.SourceConnectorType} and {@link io.tributary.connect.SinkConnectorType},
 * found through {@link java.util.ServiceLoader}: each type has a {@link io.tributary.connect.spec.ComponentSpec}
 * that drives parsing, validation and the generated docs, and creates {@link io.tributary.connect.SourceConnector}s
 * or {@link io.tributary.connect.SinkConnector}s. {@link io.tributary.connect.config.ConnectorFileParser} reads the
 * files; {@link io.tributary.connect.runtime.ConnectorRunner} runs one connector against a cluster.
 */
package io.tributary.connect;
