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

    /**
     * @return true for a source that names the topic of each record itself (one topic per database table) and
     *         creates those topics: its connector has no {@code to} block.
     */
    default boolean namesTopics()
    {
        return false;
    }

    /**
     * Release what a deleted connector keeps outside the cluster, e.g. a database's replication slot, which would
     * otherwise hold the database's write-ahead log forever. The connector must be stopped.
     *
     * @return what was released, for the user; null when this type keeps nothing outside the cluster or there was
     *         nothing to release.
     */
    default String releaseExternalState(final Settings settings, final String connector) throws Exception
    {
        return null;
    }
}
