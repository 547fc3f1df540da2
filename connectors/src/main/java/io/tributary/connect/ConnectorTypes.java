package io.tributary.connect;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The connector types on the class path, by name. Immutable and thread-safe.
 */
public final class ConnectorTypes
{
    private final Map<String, SourceConnectorType> sources;
    private final Map<String, SinkConnectorType> sinks;

    public ConnectorTypes(final List<SourceConnectorType> sources, final List<SinkConnectorType> sinks)
    {
        final Map<String, SourceConnectorType> bySource = new TreeMap<>();
        sources.forEach(t -> bySource.put(t.spec().name(), t));
        final Map<String, SinkConnectorType> bySink = new TreeMap<>();
        sinks.forEach(t -> bySink.put(t.spec().name(), t));
        this.sources = Collections.unmodifiableMap(bySource);
        this.sinks = Collections.unmodifiableMap(bySink);
    }

    /**
     * @return every type that {@link ServiceLoader} finds from this class's loader.
     */
    public static ConnectorTypes load()
    {
        final ClassLoader loader = ConnectorTypes.class.getClassLoader();
        return new ConnectorTypes(
            ServiceLoader.load(SourceConnectorType.class, loader).stream().map(ServiceLoader.Provider::get).toList(),
            ServiceLoader.load(SinkConnectorType.class, loader).stream().map(ServiceLoader.Provider::get).toList());
    }

    public Map<String, SourceConnectorType> sources()
    {
        return sources;
    }

    public Map<String, SinkConnectorType> sinks()
    {
        return sinks;
    }
}
