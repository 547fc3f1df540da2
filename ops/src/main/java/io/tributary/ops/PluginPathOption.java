package io.tributary.ops;

import io.tributary.connect.ConnectorTypes;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The {@code --plugin-path DIR} option of the commands that read connector files: the jars in {@code DIR} are
 * searched for third-party connector types (as Kafka Connect's {@code plugin.path}). {@code tributary} runs with
 * {@code java -jar}, so this is the only way a type in another jar reaches it.
 */
public final class PluginPathOption
{
    @Option(names = "--plugin-path", paramLabel = "DIR",
        description = "a directory whose jars hold more connector types (found through META-INF/services)")
    Path pluginPath;

    public Path pluginPath()
    {
        return pluginPath;
    }

    /**
     * @return the built-in connector types and those in the plugin path's jars.
     * @throws IllegalArgumentException when the plugin path is not a directory or a type in it cannot be loaded.
     */
    public ConnectorTypes types()
    {
        return ConnectorTypes.load(pluginPath);
    }
}
