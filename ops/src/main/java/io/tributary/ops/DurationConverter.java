package io.tributary.ops;

import io.tributary.connect.spec.Durations;

import picocli.CommandLine;

import java.time.Duration;

/**
 * Reads a {@link Durations} option value, so a bad one is a usage error saying what is wrong.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration>
{
    public Duration convert(final String value)
    {
        try
        {
            return Durations.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }
}
