package io.tributary.connect.spec;

import java.util.List;
import java.util.Objects;

/**
 * One field of a component's configuration: what parsing, validation and the generated docs know about it.
 *
 * @param name         snake_case key.
 * @param type         its type.
 * @param required     whether it must be given; a required field has no default.
 * @param defaultValue the value when absent, already of the field's Java type (see {@link Settings}), or null.
 * @param description  one sentence for the docs.
 * @param example      an example value as YAML writes it, or null.
 * @param values       the allowed words of an {@link FieldType#ENUM}, else empty.
 * @param secret       whether the value is a credential (docs say to use {@code ${ENV_VAR}}).
 */
public record FieldSpec(
    String name,
    FieldType type,
    boolean required,
    Object defaultValue,
    String description,
    String example,
    List<String> values,
    boolean secret)
{
    public FieldSpec
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        values = values == null ? List.of() : List.copyOf(values);
        if (required && defaultValue != null)
        {
            throw new IllegalArgumentException(name + ": a required field has no default");
        }
        if (type == FieldType.ENUM && values.isEmpty())
        {
            throw new IllegalArgumentException(name + ": an enum field lists its values");
        }
    }

    public static FieldSpec required(final String name, final FieldType type, final String description,
        final String example)
    {
        return new FieldSpec(name, type, true, null, description, example, List.of(), false);
    }

    public static FieldSpec optional(final String name, final FieldType type, final Object defaultValue,
        final String description, final String example)
    {
        return new FieldSpec(name, type, false, defaultValue, description, example, List.of(), false);
    }

    public static FieldSpec oneOf(final String name, final String defaultValue, final List<String> values,
        final String description)
    {
        return new FieldSpec(name, FieldType.ENUM, false, defaultValue, description, defaultValue, values, false);
    }

    /**
     * @return this field marked as a credential.
     */
    public FieldSpec asSecret()
    {
        return new FieldSpec(name, type, required, defaultValue, description, example, values, true);
    }
}
