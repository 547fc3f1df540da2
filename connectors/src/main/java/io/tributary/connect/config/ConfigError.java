package io.tributary.connect.config;

/**
 * One problem in a connector file.
 *
 * @param file    the file as the user named it.
 * @param line    1-based line, or 0 when unknown.
 * @param column  1-based column, or 0 when unknown.
 * @param path    the key path, e.g. {@code source.mqtt.qos}, or empty for the document.
 * @param message what is wrong, and what was expected.
 */
public record ConfigError(String file, int line, int column, String path, String message)
{
    /**
     * @return {@code file:line:column: path: message}, as compilers write it.
     */
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(file);
        if (line > 0)
        {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": ");
        if (!path.isEmpty())
        {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
