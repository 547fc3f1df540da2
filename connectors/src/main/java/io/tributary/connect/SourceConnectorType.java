package io.tributary.connect;

import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.Settings;

/**
 * A kind of source, registered for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.tributary.connect.SourceConnectorType}. Stateless and thread-safe.
 */
public interface SourceConnectorType
{
    /**
     * @return its settings; {@link ComponentSpec#name()} is the key under {@code source:}.
     */
    ComponentSpec spec();

    /**
     * Check settings beyond their types and build a connector; no I/O happens until it is started.
     *
     * @throws IllegalArgumentException saying which settings do not go together.
     */
    SourceConnector create(Settings settings);
}
