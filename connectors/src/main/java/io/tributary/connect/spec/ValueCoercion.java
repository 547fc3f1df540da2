package io.tributary.connect.spec;

import java.time.Duration;
import java.util.Locale;

/**
 * Reads scalar text as a field's type. Stateless and thread-safe.
 */
public final class ValueCoercion
{
    private ValueCoercion()
    {
    }

    /**
     * @return the value of the scalar's text as the field's Java type (see {@link Settings}).
     * @throws IllegalArgumentException saying what was expected.
     */
    public static Object scalar(final FieldSpec field, final String text)
    {
        final String t = text.trim();
        return switch (field.type())
        {
            case STRING -> text;
            case INT -> parseInt(t);
            case LONG -> parseLong(t);
            case DOUBLE -> parseDouble(t);
            case BOOLEAN -> parseBoolean(t);
            case DURATION -> duration(t);
            case SIZE -> size(t);
            case ENUM ->
            {
                if (!field.values().contains(t))
                {
                    throw new IllegalArgumentException("expected one of " + String.join(", ", field.values()) +
                        ", got '" + t + "'");
                }
                yield t;
            }
            case STRING_LIST, STRING_MAP -> throw new IllegalArgumentException(
                "expected a " + field.type().display() + ", got the scalar '" + t + "'");
        };
    }

    public static Duration duration(final String text)
    {
        return Durations.parse(text);
    }

    public static long size(final String text)
    {
        final String upper = text.toUpperCase(Locale.ROOT).replace(" ", "");
        int digits = 0;
        while (digits < upper.length() && Character.isDigit(upper.charAt(digits)))
        {
            digits++;
        }
        if (digits == 0)
        {
            throw new IllegalArgumentException("expected a size in bytes, e.g. 1048576, 64KB or 10MB, got '" +
                text + "'");
        }
        final long amount = parseLong(upper.substring(0, digits));
        final long unit = switch (upper.substring(digits))
        {
            case "", "B" -> 1L;
            case "KB", "KIB" -> 1024L;
            case "MB", "MIB" -> 1024L * 1024;
            case "GB", "GIB" -> 1024L * 1024 * 1024;
            default -> throw new IllegalArgumentException("expected a size in bytes, e.g. 1048576, 64KB or 10MB, " +
                "got '" + text + "'");
        };
        return Math.multiplyExact(amount, unit);
    }

    /**
     * @return the value as YAML would write it, for docs.
     */
    public static String format(final Object value)
    {
        if (value instanceof Duration d)
        {
            return Durations.format(d);
        }
        return String.valueOf(value);
    }

    private static int parseInt(final String text)
    {
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected a whole number, got '" + text + "'");
        }
    }

    private static long parseLong(final String text)
    {
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected a whole number, got '" + text + "'");
        }
    }

    private static double parseDouble(final String text)
    {
        try
        {
            return Double.parseDouble(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected a number, got '" + text + "'");
        }
    }

    private static boolean parseBoolean(final String text)
    {
        return switch (text)
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + text + "'");
        };
    }
}
