package io.tributary.connect.config;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} in scalar text with the environment variable NAME, where NAME is upper case letters,
 * digits and underscores; {@code $${NAME}} is a literal {@code ${NAME}}. Other {@code ${...}} forms, such as the key
 * template {@code ${mqtt.topic}}, are left as written. Immutable and thread-safe.
 */
public final class EnvSubstitution
{
    private static final Pattern VARIABLE = Pattern.compile("\\$?\\$\\{([A-Z_][A-Z0-9_]*)}");

    private final Function<String, String> env;

    public EnvSubstitution(final Map<String, String> env)
    {
        final Map<String, String> copy = Map.copyOf(env);
        this.env = copy::get;
    }

    /**
     * @return the text with every variable replaced.
     * @throws IllegalArgumentException naming a variable that is not set.
     */
    public String apply(final String text)
    {
        if (text.indexOf('$') < 0)
        {
            return text;
        }
        final Matcher m = VARIABLE.matcher(text);
        final StringBuilder sb = new StringBuilder();
        while (m.find())
        {
            if (m.group().startsWith("$$"))
            {
                m.appendReplacement(sb, Matcher.quoteReplacement(m.group().substring(1)));
                continue;
            }
            final String value = env.apply(m.group(1));
            if (value == null)
            {
                throw new IllegalArgumentException("environment variable " + m.group(1) + " is not set");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
