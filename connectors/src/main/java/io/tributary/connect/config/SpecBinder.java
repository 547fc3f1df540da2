package io.tributary.connect.config;

import io.tributary.connect.spec.ComponentSpec;
import io.tributary.connect.spec.FieldSpec;
import io.tributary.connect.spec.FieldType;
import io.tributary.connect.spec.Secrets;
import io.tributary.connect.spec.Settings;
import io.tributary.connect.spec.ValueCoercion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks one YAML block against its {@link ComponentSpec} and turns it into {@link Settings}: unknown keys (with a
 * suggestion), wrong types, missing required fields and unset environment variables are all reported, none ignored.
 * Not thread-safe: one binder per file. Public so that other YAML files (job specs) report errors the same way.
 */
public final class SpecBinder
{
    private final String file;
    private final EnvSubstitution env;
    private final List<ConfigError> errors;

    public SpecBinder(final String file, final EnvSubstitution env, final List<ConfigError> errors)
    {
        this.file = file;
        this.env = env;
        this.errors = errors;
    }

    /**
     * @param node the block, or null when it was not written (then only defaults apply).
     * @param at   where to report missing fields when the block is absent.
     */
    public Settings bind(final ComponentSpec spec, final YamlNode node, final String path, final YamlNode.Location at)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final FieldSpec field : spec.fields())
        {
            values.put(field.name(), field.defaultValue());
        }
        Map<YamlNode.Key, YamlNode> entries = Map.of();
        if (node instanceof YamlNode.MapNode map)
        {
            entries = map.entries();
        }
        else if (node != null && !(node instanceof YamlNode.Scalar s && s.isNull()))
        {
            error(node.at(), path, "expected a map of " + spec.name() + " settings, got " + node.kind());
            return new Settings(spec, values);
        }
        final List<String> given = new ArrayList<>();
        for (final Map.Entry<YamlNode.Key, YamlNode> e : entries.entrySet())
        {
            final String key = e.getKey().name();
            final String keyPath = path + "." + key;
            final FieldSpec field = spec.field(key).orElse(null);
            if (field == null)
            {
                error(e.getKey().at(), keyPath, "unknown key" + Suggestions.hint(key, spec.fieldNames()) +
                    "; " + spec.name() + " takes " + String.join(", ", spec.fieldNames()));
                continue;
            }
            given.add(key);
            final Object value = value(field, e.getValue(), keyPath);
            if (value != null)
            {
                values.put(key, value);
            }
        }
        for (final FieldSpec field : spec.fields())
        {
            if (field.required() && !given.contains(field.name()))
            {
                error(node == null ? at : node.at(), path + "." + field.name(), "missing required field (" +
                    field.type().display() + ": " + field.description() + ")");
            }
        }
        return new Settings(spec, values);
    }

    /**
     * @return the checked value, or null when the node is null or wrong (then an error was recorded).
     */
    public Object value(final FieldSpec field, final YamlNode node, final String path)
    {
        if (node instanceof YamlNode.Scalar s && s.isNull())
        {
            if (field.required())
            {
                error(node.at(), path, "needs a value (" + field.type().display() + ")");
            }
            return null;
        }
        if (field.type() == FieldType.STRING_LIST)
        {
            if (!(node instanceof YamlNode.ListNode list))
            {
                error(node.at(), path, "expected a list of strings, got " + node.kind() + " (write [a, b])");
                return null;
            }
            final List<String> items = new ArrayList<>();
            for (int i = 0; i < list.items().size(); i++)
            {
                final String text = text(list.items().get(i), path + "[" + i + "]");
                if (text != null)
                {
                    items.add(text);
                }
            }
            return List.copyOf(items);
        }
        if (field.type() == FieldType.STRING_MAP)
        {
            if (!(node instanceof YamlNode.MapNode map))
            {
                error(node.at(), path, "expected a map of strings, got " + node.kind());
                return null;
            }
            final Map<String, String> items = new LinkedHashMap<>();
            for (final Map.Entry<YamlNode.Key, YamlNode> e : map.entries().entrySet())
            {
                final String text = text(e.getValue(), path + "." + e.getKey().name());
                if (text != null)
                {
                    items.put(e.getKey().name(), text);
                }
            }
            return java.util.Collections.unmodifiableMap(items);
        }
        final String text = text(node, path);
        if (text == null)
        {
            return null;
        }
        try
        {
            return ValueCoercion.scalar(field, text);
        }
        catch (final IllegalArgumentException | ArithmeticException ex)
        {
            String message = ex.getMessage();
            if (field.type() == FieldType.ENUM)
            {
                message += Suggestions.hint(text.trim(), field.values());
            }
            if (field.secret() && !text.isEmpty())
            {
                message = message.replace(text, Secrets.MASK);
            }
            error(node.at(), path, message);
            return null;
        }
    }

    /**
     * @return a scalar's text with environment variables substituted, or null after recording an error.
     */
    public String text(final YamlNode node, final String path)
    {
        if (!(node instanceof YamlNode.Scalar scalar) || scalar.isNull())
        {
            error(node.at(), path, "expected a scalar, got " + node.kind());
            return null;
        }
        try
        {
            return env.apply(scalar.text());
        }
        catch (final IllegalArgumentException ex)
        {
            error(node.at(), path, ex.getMessage());
            return null;
        }
    }

    public void error(final YamlNode.Location at, final String path, final String message)
    {
        errors.add(new ConfigError(file, at.line(), at.column(), path, message));
    }
}
