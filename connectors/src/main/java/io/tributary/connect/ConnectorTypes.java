package io.tributary.connect;

import io.tributary.connect.spec.ComponentSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The connector types on the class path, and in the jars of a plugin directory, by name. Types are found by
 * {@link ServiceLoader} ({@code META-INF/services/io.tributary.connect.SourceConnectorType} and
 * {@code ...SinkConnectorType}); a plugin directory's jars are read by one {@link URLClassLoader} whose parent is
 * the application's loader, which is how a third-party type reaches a CLI started with {@code java -jar} (whose class
 * path is only its own jar). Two types of one kind with the same name are refused. Immutable and thread-safe.
 */
public final class ConnectorTypes
{
    private final Map<String, SourceConnectorType> sources;
    private final Map<String, SinkConnectorType> sinks;

    public ConnectorTypes(final List<SourceConnectorType> sources, final List<SinkConnectorType> sinks)
    {
        this.sources = byName(sources, SourceConnectorType::spec, "source");
        this.sinks = byName(sinks, SinkConnectorType::spec, "sink");
    }

    /**
     * @return every type that {@link ServiceLoader} finds from this class's loader.
     */
    public static ConnectorTypes load()
    {
        return load(ConnectorTypes.class.getClassLoader());
    }

    /**
     * @param pluginPath a directory whose jars hold more types, or null for none.
     * @return the types of this class's loader and of the jars in {@code pluginPath}.
     * @throws IllegalArgumentException when {@code pluginPath} is not a directory, or a type in it cannot be loaded.
     */
    public static ConnectorTypes load(final Path pluginPath)
    {
        return pluginPath == null ? load() : load(pluginLoader(pluginPath));
    }

    /**
     * @return every type that {@link ServiceLoader} finds from {@code loader} (which delegates to its parents).
     * @throws IllegalArgumentException when a type named in a services file cannot be loaded or created.
     */
    public static ConnectorTypes load(final ClassLoader loader)
    {
        try
        {
            return new ConnectorTypes(
                ServiceLoader.load(SourceConnectorType.class, loader).stream().map(ServiceLoader.Provider::get)
                    .toList(),
                ServiceLoader.load(SinkConnectorType.class, loader).stream().map(ServiceLoader.Provider::get)
                    .toList());
        }
        catch (final ServiceConfigurationError | LinkageError ex)
        {
            throw new IllegalArgumentException("cannot load a connector type: " + ex.getMessage(), ex);
        }
    }

    /**
     * A loader for the jars ({@code *.jar}) directly in {@code dir}, with the application's loader as parent, so a
     * plugin sees the connector SPI and the libraries Tributary brings. It stays open for the life of the process.
     *
     * @throws IllegalArgumentException when {@code dir} is not a directory.
     */
    public static ClassLoader pluginLoader(final Path dir)
    {
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException("plugin path " + dir + " is not a directory");
        }
        final List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar") &&
                Files.isRegularFile(f)).sorted().toList())
            {
                jars.add(jar.toUri().toURL());
            }
        }
        catch (final MalformedURLException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list plugin path " + dir, ex);
        }
        return new URLClassLoader("connector-plugins", jars.toArray(URL[]::new),
            ConnectorTypes.class.getClassLoader());
    }

    public Map<String, SourceConnectorType> sources()
    {
        return sources;
    }

    public Map<String, SinkConnectorType> sinks()
    {
        return sinks;
    }

    private static <T> Map<String, T> byName(final List<T> types,
        final Function<T, ComponentSpec> spec, final String kind)
    {
        final Map<String, T> byName = new TreeMap<>();
        for (final T type : types)
        {
            final T before = byName.putIfAbsent(spec.apply(type).name(), type);
            if (before != null && before.getClass() != type.getClass())
            {
                throw new IllegalArgumentException("two " + kind + " connector types are named '" +
                    spec.apply(type).name() + "': " + before.getClass().getName() + " and " +
                    type.getClass().getName());
            }
        }
        return Collections.unmodifiableMap(byName);
    }
}
