package io.tributary.connect.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a configuration block accepts: a connector type's block ({@code mqtt}, {@code jdbc}, ...) or a shared one
 * ({@code to}, {@code retry}, ...). One spec drives parsing, validation and the generated docs. Immutable.
 *
 * @param name        the block's key, e.g. {@code mqtt}.
 * @param description one or two sentences for the docs.
 * @param fields      its fields, in doc order.
 */
public record ComponentSpec(String name, String description, List<FieldSpec> fields)
{
    public ComponentSpec
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        fields = List.copyOf(fields);
        final List<String> seen = new ArrayList<>();
        for (final FieldSpec field : fields)
        {
            if (seen.contains(field.name()))
            {
                throw new IllegalArgumentException(name + ": field " + field.name() + " declared twice");
            }
            seen.add(field.name());
        }
    }

    public static ComponentSpec of(final String name, final String description, final FieldSpec... fields)
    {
        return new ComponentSpec(name, description, List.of(fields));
    }

    public Optional<FieldSpec> field(final String key)
    {
        return fields.stream().filter(f -> f.name().equals(key)).findFirst();
    }

    public List<String> fieldNames()
    {
        return fields.stream().map(FieldSpec::name).toList();
    }
}
