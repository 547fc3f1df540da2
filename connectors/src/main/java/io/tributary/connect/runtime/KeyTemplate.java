package io.tributary.connect.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code to.key} template: text with {@code ${attribute}} taken from a source record's attributes; an
 * attribute the record lacks becomes empty text. Immutable and thread-safe.
 */
public final class KeyTemplate
{
    private static final Pattern ATTRIBUTE = Pattern.compile("\\$\\{([^}]+)}");

    private final String template;

    /**
     * @param template the template, or null to keep each record's own key.
     */
    public KeyTemplate(final String template)
    {
        this.template = template;
    }

    public byte[] key(final byte[] ownKey, final Map<String, String> attributes)
    {
        if (template == null)
        {
            return ownKey;
        }
        final Matcher m = ATTRIBUTE.matcher(template);
        final StringBuilder sb = new StringBuilder();
        while (m.find())
        {
            m.appendReplacement(sb, Matcher.quoteReplacement(attributes.getOrDefault(m.group(1), "")));
        }
        m.appendTail(sb);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
