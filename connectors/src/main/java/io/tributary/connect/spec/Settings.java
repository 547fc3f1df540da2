package io.tributary.connect.spec;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked values of one configuration block, defaults filled in, each of its field's Java type: String, Integer,
 * Long, Double, Boolean, Duration, Long (SIZE), String (ENUM), List&lt;String&gt;, Map&lt;String,String&gt;. Absent
 * optional fields without a default are null. Immutable.
 */
public final class Settings
{
    private final ComponentSpec spec;
    private final Map<String, Object> values;

    public Settings(final ComponentSpec spec, final Map<String, Object> values)
    {
        this.spec = spec;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * @return settings holding every default of the spec, for blocks that were not written.
     */
    public static Settings defaults(final ComponentSpec spec)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final FieldSpec field : spec.fields())
        {
            values.put(field.name(), field.defaultValue());
        }
        return new Settings(spec, values);
    }

    public ComponentSpec spec()
    {
        return spec;
    }

    public boolean has(final String name)
    {
        return get(name) != null;
    }

    public String string(final String name)
    {
        return (String)get(name);
    }

    public int integer(final String name)
    {
        return (Integer)get(name);
    }

    public long longValue(final String name)
    {
        return ((Number)get(name)).longValue();
    }

    public double number(final String name)
    {
        return ((Number)get(name)).doubleValue();
    }

    public boolean bool(final String name)
    {
        return (Boolean)get(name);
    }

    public Duration duration(final String name)
    {
        return (Duration)get(name);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(final String name)
    {
        final Object value = get(name);
        return value == null ? List.of() : (List<String>)value;
    }

    @SuppressWarnings("unchecked")
    public Map<String, String> map(final String name)
    {
        final Object value = get(name);
        return value == null ? Map.of() : (Map<String, String>)value;
    }

    public Map<String, Object> asMap()
    {
        return values;
    }

    private Object get(final String name)
    {
        if (spec.field(name).isEmpty())
        {
            throw new IllegalArgumentException(spec.name() + " has no field " + name);
        }
        return values.get(name);
    }

    /**
     * @return the values, with secrets and sensitive headers shown as {@value Secrets#MASK}.
     */
    public String toString()
    {
        final Map<String, Object> shown = new LinkedHashMap<>();
        for (final Map.Entry<String, Object> e : values.entrySet())
        {
            final FieldSpec field = spec.field(e.getKey()).orElse(null);
            Object value = e.getValue();
            if (value != null && field != null && field.type() == FieldType.STRING_MAP)
            {
                final Map<String, Object> entries = new LinkedHashMap<>();
                ((Map<?, ?>)value).forEach((k, v) -> entries.put(String.valueOf(k),
                    field.secret() || Secrets.isSensitiveHeader(String.valueOf(k)) ? Secrets.MASK : v));
                value = entries;
            }
            else if (value != null && field != null && field.secret())
            {
                value = Secrets.MASK;
            }
            shown.put(e.getKey(), value);
        }
        return spec.name() + shown;
    }
}
