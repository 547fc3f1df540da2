package io.tributary.connect.config;

import io.tributary.connect.ConnectorTypes;
import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.Settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a connector file: one connector per YAML document, each checked against the shared blocks' specs and its
 * type's spec, and built once by its type so that checks across settings run too. Every error is collected, none
 * ignored. Immutable and thread-safe.
 */
public final class ConnectorFileParser
{
    private static final List<String> TOP_KEYS =
        List.of("name", "source", "sink", "to", "from", "batching", "retry", "dead_letter");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    private final ConnectorTypes types;
    private final Map<String, String> env;

    /**
     * @param env environment variables for {@code ${NAME}} substitution.
     */
    public ConnectorFileParser(final ConnectorTypes types, final Map<String, String> env)
    {
        this.types = types;
        this.env = Map.copyOf(env);
    }

    public List<ConnectorConfig> parse(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(List.of(new ConfigError(file.toString(), 0, 0, "",
                "cannot read: " + ex.getClass().getSimpleName() + ": " + ex.getMessage())));
        }
        return parse(file.toString(), text);
    }

    /**
     * @return the connectors of the file, in order.
     * @throws ConfigException with every problem found.
     */
    public List<ConnectorConfig> parse(final String file, final String text)
    {
        final List<YamlNode> documents = YamlReader.read(file, text);
        final List<ConfigError> errors = new ArrayList<>();
        final List<ConnectorConfig> configs = new ArrayList<>();
        if (documents.isEmpty())
        {
            errors.add(new ConfigError(file, 1, 1, "", "no connector in the file"));
        }
        final List<String> names = new ArrayList<>();
        for (final YamlNode document : documents)
        {
            final int before = errors.size();
            final ConnectorConfig config = document(file, document, errors);
            if (config != null && errors.size() == before)
            {
                if (names.contains(config.name()))
                {
                    errors.add(new ConfigError(file, document.at().line(), document.at().column(), "name",
                        "two connectors are named '" + config.name() + "'"));
                }
                names.add(config.name());
                configs.add(config);
            }
        }
        if (!errors.isEmpty())
        {
            errors.sort(java.util.Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
            throw new ConfigException(errors);
        }
        return configs;
    }

    private ConnectorConfig document(final String file, final YamlNode document, final List<ConfigError> errors)
    {
        final SpecBinder binder = new SpecBinder(file, new EnvSubstitution(env), errors);
        final int before = errors.size();
        if (!(document instanceof YamlNode.MapNode map))
        {
            binder.error(document.at(), "", "expected a connector (a map with name and source or sink), got " +
                document.kind());
            return null;
        }
        YamlNode.Key nameKey = null;
        final java.util.LinkedHashMap<String, YamlNode> blocks = new java.util.LinkedHashMap<>();
        final java.util.LinkedHashMap<String, YamlNode.Key> keys = new java.util.LinkedHashMap<>();
        for (final Map.Entry<YamlNode.Key, YamlNode> e : map.entries().entrySet())
        {
            final String key = e.getKey().name();
            if (!TOP_KEYS.contains(key))
            {
                binder.error(e.getKey().at(), key, "unknown key" + Suggestions.hint(key, TOP_KEYS) +
                    "; a connector takes " + String.join(", ", TOP_KEYS));
                continue;
            }
            if (key.equals("name"))
            {
                nameKey = e.getKey();
            }
            blocks.put(key, e.getValue());
            keys.put(key, e.getKey());
        }
        String name = null;
        if (nameKey == null)
        {
            binder.error(map.at(), "name", "missing required field (the connector's name)");
        }
        else
        {
            name = binder.text(blocks.get("name"), "name");
            // The name keys the connector's offsets, leases and groups: nothing that could leave a directory or
            // split a key.
            if (name != null && (!NAME.matcher(name).matches() || ".".equals(name) || "..".equals(name)))
            {
                binder.error(blocks.get("name").at(), "name", "expected 1 to 200 of a-z A-Z 0-9 . _ - (and not '.' " +
                    "or '..'), got '" + name + "'");
                name = null;
            }
        }
        final boolean isSource = blocks.containsKey("source");
        final boolean isSink = blocks.containsKey("sink");
        if (isSource == isSink)
        {
            binder.error(map.at(), "", isSource ? "a connector has either source or sink, not both" :
                "missing source or sink (e.g. source: { mqtt: {...} } or sink: { jdbc: {...} })");
            return null;
        }
        final ConnectorConfig.Kind kind = isSource ? ConnectorConfig.Kind.SOURCE : ConnectorConfig.Kind.SINK;
        forbid(binder, keys, isSource ? "from" : "to", isSource ? "from applies to sinks; a source writes to 'to'" :
            "to applies to sources; a sink reads 'from'");
        final Component component = component(binder, kind, blocks.get(kind.key()), kind.key());
        final boolean namesTopics = isSource && component != null &&
            types.sources().get(component.type).namesTopics();
        if (namesTopics)
        {
            forbid(binder, keys, "to", component.type + " names its own topics; remove 'to'");
        }
        final Settings to = isSource && !namesTopics ?
            binder.bind(SharedBlocks.TO, blocks.get("to"), "to", map.at()) : null;
        final Settings from = isSink ? binder.bind(SharedBlocks.FROM, blocks.get("from"), "from", map.at()) : null;
        final Settings batching = binder.bind(SharedBlocks.BATCHING, blocks.get("batching"), "batching", map.at());
        final Settings retry = binder.bind(SharedBlocks.RETRY, blocks.get("retry"), "retry", map.at());
        final Settings deadLetter =
            binder.bind(SharedBlocks.DEAD_LETTER, blocks.get("dead_letter"), "dead_letter", map.at());
        positive(binder, blocks.get("batching"), "batching.count", batching.integer("count"));
        positive(binder, blocks.get("retry"), "retry.max_attempts", retry.integer("max_attempts"));
        if (component == null || name == null || errors.size() > before)
        {
            return null;
        }
        final ConnectorConfig config = new ConnectorConfig(file, map.at().line(), name, kind, component.type,
            component.settings,
            namesTopics ? new BlockConfigs.To(null, null, 1) :
                to == null ? null : new BlockConfigs.To(to.string("topic"), to.string("key"), to.integer("partitions")),
            from == null ? null : new BlockConfigs.From(from.list("topics"),
                from.has("group") ? from.string("group") : name, from.string("start").equals("earliest")),
            new BlockConfigs.Batching(batching.integer("count"), batching.duration("period")),
            new BlockConfigs.Retry(retry.integer("max_attempts"), retry.duration("backoff"),
                retry.duration("max_backoff")),
            new BlockConfigs.DeadLetter(deadLetter.has("topic") ? deadLetter.string("topic") : name + ".dlq"));
        try
        {
            if (isSource)
            {
                types.sources().get(component.type).create(component.settings);
            }
            else
            {
                types.sinks().get(component.type).create(component.settings);
            }
        }
        catch (final RuntimeException ex)
        {
            binder.error(component.at, kind.key() + "." + component.type, ex.getMessage());
            return null;
        }
        return config;
    }

    private Component component(final SpecBinder binder, final ConnectorConfig.Kind kind, final YamlNode node,
        final String path)
    {
        final Set<String> known = kind == ConnectorConfig.Kind.SOURCE ? types.sources().keySet() :
            types.sinks().keySet();
        final Function<String, ComponentSpec> specs = kind == ConnectorConfig.Kind.SOURCE ?
            t -> types.sources().get(t).spec() : t -> types.sinks().get(t).spec();
        if (!(node instanceof YamlNode.MapNode map) || map.entries().size() != 1)
        {
            binder.error(node.at(), path, "expected one " + kind.key() + " type as a one-key map, e.g. " + path +
                ": { " + known.iterator().next() + ": {...} }; types: " + String.join(", ", known));
            return null;
        }
        final Map.Entry<YamlNode.Key, YamlNode> entry = map.entries().entrySet().iterator().next();
        final String type = entry.getKey().name();
        if (!known.contains(type))
        {
            binder.error(entry.getKey().at(), path + "." + type, "unknown " + kind.key() + " type" +
                Suggestions.hint(type, known) + "; types: " + String.join(", ", known) +
                " (a third-party type is found only in a jar of the directory given with --plugin-path)");
            return null;
        }
        final Settings settings = binder.bind(specs.apply(type), entry.getValue(), path + "." + type,
            entry.getKey().at());
        return new Component(type, settings, entry.getKey().at());
    }

    private static void forbid(final SpecBinder binder, final Map<String, YamlNode.Key> keys, final String key,
        final String why)
    {
        final YamlNode.Key k = keys.get(key);
        if (k != null)
        {
            binder.error(k.at(), key, why);
        }
    }

    private static void positive(final SpecBinder binder, final YamlNode block, final String path, final int value)
    {
        if (value < 1)
        {
            binder.error(block == null ? new YamlNode.Location(0, 0) : block.at(), path,
                "must be at least 1, got " + value);
        }
    }

    private record Component(String type, Settings settings, YamlNode.Location at)
    {
    }
}
