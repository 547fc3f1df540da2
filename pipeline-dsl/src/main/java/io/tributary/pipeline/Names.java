package io.tributary.pipeline;

import java.util.regex.Pattern;

/**
 * Checks the names of pipelines and operators: they become parts of topic names.
 */
final class Names
{
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,100}");

    private Names()
    {
    }

    static String check(final String name)
    {
        if (name == null || !LEGAL.matcher(name).matches())
        {
            throw new IllegalArgumentException("a name must match " + LEGAL.pattern() + ": " + name);
        }
        return name;
    }
}
