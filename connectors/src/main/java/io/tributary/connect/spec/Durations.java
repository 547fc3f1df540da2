package io.tributary.connect.spec;

import java.time.Duration;

/**
 * Durations as the YAML files and the CLI write them: a whole number and a unit, {@code ms}, {@code s}, {@code m} or
 * {@code h}, such as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}. Stateless and thread-safe.
 */
public final class Durations
{
    private static final String EXPECTED = "a whole number and a unit (ms, s, m or h), e.g. 500ms, 10s, 5m, 1h";

    private Durations()
    {
    }

    /**
     * @param text such as {@code 500ms}; surrounding white space is ignored.
     * @return the duration, zero or more.
     * @throws IllegalArgumentException saying what is wrong with the text.
     */
    public static Duration parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("expected a duration, got nothing; " + EXPECTED);
        }
        final String trimmed = text.trim();
        int digits = 0;
        while (digits < trimmed.length() && Character.isDigit(trimmed.charAt(digits)))
        {
            digits++;
        }
        if (digits == 0)
        {
            throw new IllegalArgumentException("expected a duration, got '" + text + "'; " + EXPECTED);
        }
        final String unit = trimmed.substring(digits);
        if (unit.isEmpty())
        {
            throw new IllegalArgumentException("expected a duration, got '" + text + "' with no unit; " + EXPECTED);
        }
        final long amount;
        try
        {
            amount = Long.parseLong(trimmed.substring(0, digits));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected a duration, got '" + text + "', which is too long");
        }
        try
        {
            return switch (unit)
            {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> throw new IllegalArgumentException(
                    "expected a duration, got '" + text + "' with unknown unit '" + unit + "'; " + EXPECTED);
            };
        }
        catch (final ArithmeticException ex)
        {
            throw new IllegalArgumentException("expected a duration, got '" + text + "', which is too long");
        }
    }

    /**
     * @return the duration in the largest unit that writes it exactly, e.g. {@code 90s}, {@code 5m}, {@code 250ms};
     *         what {@link #parse} reads back, for whole milliseconds.
     */
    public static String format(final Duration duration)
    {
        final long ms = duration.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0)
        {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0)
        {
            return ms / 60_000 + "m";
        }
        if (ms != 0 && ms % 1000 == 0)
        {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
