package io.tributary.connect.spec;

import java.util.List;

/**
 * Renders specs as text for {@code tributary connector types} and the docs: each field with its type, default or
 * "required", description and example. Stateless and thread-safe.
 */
public final class SpecDocs
{
    private SpecDocs()
    {
    }

    /**
     * @param heading e.g. {@code source mqtt}.
     */
    public static String render(final String heading, final ComponentSpec spec)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(heading).append(" - ").append(spec.description()).append('\n');
        int width = 0;
        for (final FieldSpec field : spec.fields())
        {
            width = Math.max(width, field.name().length());
        }
        for (final FieldSpec field : spec.fields())
        {
            sb.append("  ").append(pad(field.name(), width)).append("  ").append(type(field)).append(", ")
                .append(field.required() ? "required" : field.defaultValue() == null ? "optional" :
                    "default " + ValueCoercion.format(field.defaultValue()))
                .append(": ").append(field.description());
            if (field.secret())
            {
                sb.append(" (a secret: write ${ENV_VAR})");
            }
            if (field.example() != null)
            {
                sb.append("; e.g. ").append(field.example());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public static String renderAll(final String title, final List<ComponentSpec> specs, final String prefix)
    {
        final StringBuilder sb = new StringBuilder(title).append('\n');
        for (final ComponentSpec spec : specs)
        {
            sb.append(render(prefix + spec.name(), spec));
        }
        return sb.toString();
    }

    /**
     * @return a Markdown section per spec: a table of its fields.
     */
    public static String markdown(final String heading, final ComponentSpec spec)
    {
        final StringBuilder sb = new StringBuilder("### ").append(heading).append("\n\n")
            .append(spec.description()).append("\n\n")
            .append("| field | type | default | description | example |\n|---|---|---|---|---|\n");
        for (final FieldSpec field : spec.fields())
        {
            sb.append("| `").append(field.name()).append("` | ").append(type(field).replace("|", "\\|"))
                .append(" | ").append(field.required() ? "**required**" : field.defaultValue() == null ? "" :
                    "`" + ValueCoercion.format(field.defaultValue()) + "`")
                .append(" | ").append(field.description().replace("|", "\\|"))
                .append(field.secret() ? " (secret: use `${ENV_VAR}`)" : "")
                .append(" | ").append(field.example() == null ? "" : "`" + field.example() + "`").append(" |\n");
        }
        return sb.append('\n').toString();
    }

    private static String type(final FieldSpec field)
    {
        return field.type() == FieldType.ENUM ? String.join("|", field.values()) : field.type().display();
    }

    private static String pad(final String text, final int width)
    {
        return text + " ".repeat(width - text.length());
    }
}
