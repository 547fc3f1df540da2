package io.tributary.connect.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with where it was written, so every error can name its line and column. Immutable once read.
 */
public sealed interface YamlNode permits YamlNode.MapNode, YamlNode.ListNode, YamlNode.Scalar
{
    /**
     * @return where the value starts.
     */
    Location at();

    /**
     * @return what a message calls this kind of value.
     */
    String kind();

    /**
     * A 1-based line and column.
     */
    record Location(int line, int column)
    {
    }

    /**
     * A key as written, with its location.
     */
    record Key(String name, Location at)
    {
    }

    /**
     * A mapping, keys in written order.
     */
    record MapNode(Location at, Map<Key, YamlNode> entries) implements YamlNode
    {
        public MapNode
        {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        public String kind()
        {
            return "a map";
        }
    }

    /**
     * A sequence.
     */
    record ListNode(Location at, List<YamlNode> items) implements YamlNode
    {
        public ListNode
        {
            items = List.copyOf(items);
        }

        public String kind()
        {
            return "a list";
        }
    }

    /**
     * A scalar: its text, and whether YAML read it as a null.
     */
    record Scalar(Location at, String text, boolean isNull) implements YamlNode
    {
        public String kind()
        {
            return isNull ? "null" : "the scalar '" + text + "'";
        }
    }
}
