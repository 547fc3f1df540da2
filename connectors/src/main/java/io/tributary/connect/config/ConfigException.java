package io.tributary.connect.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A connector file that cannot be used: every problem found, each naming file, line, column and key path.
 */
public final class ConfigException extends RuntimeException
{
    private final transient List<ConfigError> errors;

    public ConfigException(final List<ConfigError> errors)
    {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors()
    {
        return errors;
    }
}
