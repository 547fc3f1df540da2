package io.tributary.connect.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML text into {@link YamlNode}s that keep their locations, one per document ({@code ---} separates them).
 * Duplicate keys are errors. Stateless and thread-safe.
 */
public final class YamlReader
{
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private YamlReader()
    {
    }

    /**
     * @return the documents, in order; empty documents are skipped.
     * @throws ConfigException on YAML syntax errors and duplicate keys.
     */
    public static List<YamlNode> read(final String file, final String text)
    {
        final List<YamlNode> documents = new ArrayList<>();
        final List<ConfigError> errors = new ArrayList<>();
        try (JsonParser parser = FACTORY.createParser(text))
        {
            JsonToken token;
            while ((token = parser.nextToken()) != null)
            {
                final YamlNode node = value(file, parser, token, "", errors);
                if (!(node instanceof YamlNode.Scalar s && s.isNull()))
                {
                    documents.add(node);
                }
            }
        }
        catch (final JsonProcessingException ex)
        {
            final JsonLocation at = ex.getLocation();
            errors.add(new ConfigError(file, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(), "",
                "not valid YAML: " + ex.getOriginalMessage()));
        }
        catch (final IOException ex)
        {
            errors.add(new ConfigError(file, 0, 0, "", "cannot read: " + ex.getMessage()));
        }
        if (!errors.isEmpty())
        {
            throw new ConfigException(errors);
        }
        return documents;
    }

    private static YamlNode value(final String file, final JsonParser parser, final JsonToken token,
        final String path, final List<ConfigError> errors) throws IOException
    {
        final YamlNode.Location at = location(parser);
        switch (token)
        {
            case START_OBJECT ->
            {
                final Map<YamlNode.Key, YamlNode> entries = new LinkedHashMap<>();
                final List<String> seen = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME)
                {
                    final String name = parser.currentName();
                    final YamlNode.Location keyAt = location(parser);
                    final String childPath = path.isEmpty() ? name : path + "." + name;
                    final YamlNode child = value(file, parser, parser.nextToken(), childPath, errors);
                    if (seen.contains(name))
                    {
                        errors.add(new ConfigError(file, keyAt.line(), keyAt.column(), childPath,
                            "duplicate key"));
                    }
                    else
                    {
                        seen.add(name);
                        entries.put(new YamlNode.Key(name, keyAt), child);
                    }
                }
                return new YamlNode.MapNode(at, entries);
            }
            case START_ARRAY ->
            {
                final List<YamlNode> items = new ArrayList<>();
                JsonToken next;
                int i = 0;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY)
                {
                    items.add(value(file, parser, next, path + "[" + i++ + "]", errors));
                }
                return new YamlNode.ListNode(at, items);
            }
            case VALUE_NULL ->
            {
                return new YamlNode.Scalar(at, "", true);
            }
            default ->
            {
                return new YamlNode.Scalar(at, parser.getText(), false);
            }
        }
    }

    private static YamlNode.Location location(final JsonParser parser)
    {
        final JsonLocation loc = parser.currentTokenLocation();
        return new YamlNode.Location(loc.getLineNr(), loc.getColumnNr());
    }
}
