package io.tributary.ops;

import io.tributary.log.ConsumerRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@code tributary consume} prints a record, written as kcat's {@code -f}: {@code %t} topic, {@code %p}
 * partition, {@code %o} offset, {@code %k} key, {@code %s} value, {@code %T} timestamp in epoch ms, {@code %%} a
 * percent sign; escapes {@code \n}, {@code \t}, {@code \r} and {@code \\}. A null key or value prints as nothing.
 * <p>
 * Parsed once, then rendered per record. Immutable and thread-safe.
 */
public final class RecordFormat
{
    /** One piece of the format: literal text, or a field of the record. */
    private sealed interface Part permits Literal, Field
    {
    }

    private record Literal(String text) implements Part
    {
    }

    private record Field(char directive) implements Part
    {
    }

    private final List<Part> parts;

    private RecordFormat(final List<Part> parts)
    {
        this.parts = parts;
    }

    /**
     * @param format such as {@code "%k=%s\n"} (with a backslash and an n, as typed in a shell).
     * @return the parsed format.
     * @throws IllegalArgumentException naming an unknown directive or escape, or a dangling {@code %} or {@code \}.
     */
    public static RecordFormat parse(final String format)
    {
        final List<Part> parts = new ArrayList<>();
        final StringBuilder literal = new StringBuilder();
        for (int i = 0; i < format.length(); i++)
        {
            final char c = format.charAt(i);
            if (c != '%' && c != '\\')
            {
                literal.append(c);
                continue;
            }
            if (i + 1 == format.length())
            {
                throw new IllegalArgumentException("format '" + format + "' ends with a lone '" + c + "'");
            }
            final char next = format.charAt(++i);
            if (c == '\\')
            {
                literal.append(switch (next)
                {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '\\' -> '\\';
                    default -> throw new IllegalArgumentException("format '" + format + "' has unknown escape '\\" +
                        next + "': expected \\n, \\t, \\r or \\\\");
                });
            }
            else if (next == '%')
            {
                literal.append('%');
            }
            else if ("tpokTs".indexOf(next) >= 0)
            {
                if (literal.length() > 0)
                {
                    parts.add(new Literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(new Field(next));
            }
            else
            {
                throw new IllegalArgumentException("format '" + format + "' has unknown directive '%" + next +
                    "': expected %t, %p, %o, %k, %s, %T or %%");
            }
        }
        if (literal.length() > 0)
        {
            parts.add(new Literal(literal.toString()));
        }
        return new RecordFormat(List.copyOf(parts));
    }

    /**
     * Append the record as this format prints it.
     */
    public void render(final ConsumerRecord<String, String> record, final StringBuilder out)
    {
        for (final Part part : parts)
        {
            if (part instanceof Literal literal)
            {
                out.append(literal.text());
            }
            else
            {
                switch (((Field)part).directive())
                {
                    case 't' -> out.append(record.topic());
                    case 'p' -> out.append(record.partition());
                    case 'o' -> out.append(record.offset());
                    case 'T' -> out.append(record.timestamp());
                    case 'k' -> appendNullable(record.key(), out);
                    default -> appendNullable(record.value(), out);
                }
            }
        }
    }

    public String render(final ConsumerRecord<String, String> record)
    {
        final StringBuilder sb = new StringBuilder();
        render(record, sb);
        return sb.toString();
    }

    private static void appendNullable(final String text, final StringBuilder out)
    {
        if (text != null)
        {
            out.append(text);
        }
    }
}
